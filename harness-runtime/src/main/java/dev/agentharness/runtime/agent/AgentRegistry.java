package dev.agentharness.runtime.agent;

import dev.agentharness.runtime.evals.Graders;
import dev.agentharness.runtime.evals.InlineEvaluator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Every agent a run may start with: the built-ins plus the declarative agents in
 * {@code harness.agents.dir}. Built eagerly at startup so a bad agent file stops the boot with an
 * {@link AgentDefinitionException} instead of failing runs later ({@code runs/AgentWiring} produces it, with
 * the tools of the other packages: the agent loop does not know the sandbox).
 *
 * <p>It also holds each agent's inline evaluators ({@link #evaluators}): graded after every finished run that started
 * with the agent, never by the loop. Beside the agents rather than in {@link Agent}, which is the loop's view of an
 * agent (and a handoff target's evaluators are not the run's).
 */
public class AgentRegistry implements AgentLookup {

    private static final Logger LOG = Logger.getLogger(AgentRegistry.class);

    private final Map<String, Agent> agents = new LinkedHashMap<>();
    private final Map<String, List<InlineEvaluator>> evaluators = new LinkedHashMap<>();

    /** Judge evaluators are read but cannot judge: for tests and tools that only validate. */
    public AgentRegistry(ToolRegistry tools, Optional<Path> agentsDir) {
        this(tools, agentsDir, Graders.withoutJudge());
    }

    /** @param graders builds the evaluators declared in agent files (its judge grades judge evaluators) */
    public AgentRegistry(ToolRegistry tools, Optional<Path> agentsDir, Graders graders) {
        List<Agent> all = new ArrayList<>(BuiltInAgents.all(tools));
        all.forEach(agent -> evaluators.put(agent.name(), BuiltInAgents.evaluators(agent.name(), graders)));
        agentsDir.ifPresent(dir -> new AgentDefinitionLoader(tools, graders).loadWithEvaluators(dir, List.copyOf(all))
                .forEach(loaded -> {
                    all.add(loaded.agent());
                    evaluators.put(loaded.agent().name(), loaded.evaluators());
                }));
        all.forEach(agent -> agents.put(agent.name(), agent));
        LOG.infof("Agents available: %s", String.join(", ", agents.keySet()));
    }

    /** The evaluators graded after each finished run that started with {@code agent}; empty for none or unknown. */
    public List<InlineEvaluator> evaluators(String agent) {
        return evaluators.getOrDefault(agent, List.of());
    }

    @Override
    public Optional<Agent> find(String name) {
        return Optional.ofNullable(agents.get(name));
    }

    /**
     * The agent's version. (Minimal stand-in for helper A1's: the digest of its instructions, tools and handoffs;
     * A1's digest of the whole spec in the registered format replaces it on merge.)
     */
    public Optional<String> version(String name) {
        return find(name).map(agent -> dev.agentharness.api.agents.AgentSpecValidation.versionOf(Map.of(
                "instructions", agent.instructions(), "tools", agent.tools().stream().map(FunctionTool::name).toList(),
                "handoffs", agent.handoffs())));
    }

    /** {@code builtin} or {@code file}. (Stand-in for helper A1's.) */
    public Optional<String> source(String name) {
        return find(name).map(agent -> BuiltInAgents.all(ToolRegistry.builtIn()).stream()
                .anyMatch(builtIn -> builtIn.name().equals(name)) ? "builtin" : "file");
    }

    /** Built-ins first, then declarative agents in file order. */
    public List<String> names() {
        return List.copyOf(agents.keySet());
    }
}
