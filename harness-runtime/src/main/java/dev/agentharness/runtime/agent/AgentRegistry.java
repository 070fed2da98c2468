package dev.agentharness.runtime.agent;

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
 */
public class AgentRegistry implements AgentLookup {

    private static final Logger LOG = Logger.getLogger(AgentRegistry.class);

    private final Map<String, Agent> agents = new LinkedHashMap<>();

    public AgentRegistry(ToolRegistry tools, Optional<Path> agentsDir) {
        List<Agent> all = new ArrayList<>(BuiltInAgents.all(tools));
        agentsDir.ifPresent(dir -> all.addAll(new AgentDefinitionLoader(tools).load(dir, List.copyOf(all))));
        all.forEach(agent -> agents.put(agent.name(), agent));
        LOG.infof("Agents available: %s", String.join(", ", agents.keySet()));
    }

    @Override
    public Optional<Agent> find(String name) {
        return Optional.ofNullable(agents.get(name));
    }

    /** Built-ins first, then declarative agents in file order. */
    public List<String> names() {
        return List.copyOf(agents.keySet());
    }
}
