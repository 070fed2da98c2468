package dev.agentharness.runtime.agent;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The named tools declarative agents may pick from; all of them are trusted harness code. */
public final class ToolRegistry {

    private final Map<String, FunctionTool> tools = new TreeMap<>();

    public ToolRegistry(List<FunctionTool> tools) {
        for (FunctionTool tool : tools) {
            if (this.tools.putIfAbsent(tool.name(), tool) != null) {
                throw new IllegalArgumentException("two tools named " + tool.name());
            }
        }
    }

    /** {@code lookup_account} (over the built-in account directory) and {@code draft_reply}. */
    public static ToolRegistry builtIn() {
        return new ToolRegistry(List.of(SupportTools.lookupAccount(AccountDirectory.builtIn()), SupportTools.draftReply()));
    }

    /** This registry plus {@code more} (for example the sandbox tools, which live outside this package). */
    public ToolRegistry with(List<FunctionTool> more) {
        List<FunctionTool> all = new java.util.ArrayList<>(tools.values());
        all.addAll(more);
        return new ToolRegistry(all);
    }

    public Optional<FunctionTool> find(String name) {
        return Optional.ofNullable(tools.get(name));
    }

    /** Sorted, for stable error messages. */
    public List<String> names() {
        return List.copyOf(tools.keySet());
    }

    /** @throws IllegalArgumentException naming the missing tool — built-in agents are wired at startup */
    public FunctionTool require(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("no tool named " + name));
    }
}
