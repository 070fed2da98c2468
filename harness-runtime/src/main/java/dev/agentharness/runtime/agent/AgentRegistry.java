package dev.agentharness.runtime.agent;

import dev.agentharness.api.agents.AgentSpecValidation;
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
 *
 * <p>Each agent has a spec in the one agent format (docs/agents.md; {@link #spec}) and a version, the digest of that
 * spec computed as for a tenant's registered agents ({@link AgentSpecValidation#versionOf}); {@link #source} says
 * whether it is built in or read from a file. Tenants' own agents live in {@code runs/TenantAgents}.
 */
public class AgentRegistry implements AgentLookup {

    private static final Logger LOG = Logger.getLogger(AgentRegistry.class);

    /** {@link #source} of an agent that ships with the harness. */
    public static final String BUILTIN = "builtin";
    /** {@link #source} of an agent read from {@code harness.agents.dir}. */
    public static final String FILE = "file";

    private record Entry(Agent agent, List<InlineEvaluator> evaluators, Map<String, Object> spec, String version,
                         String source) {
    }

    private final Map<String, Entry> agents = new LinkedHashMap<>();

    /** Judge evaluators are read but cannot judge: for tests and tools that only validate. */
    public AgentRegistry(ToolRegistry tools, Optional<Path> agentsDir) {
        this(tools, agentsDir, Graders.withoutJudge());
    }

    /** @param graders builds the evaluators declared in agent files (its judge grades judge evaluators) */
    public AgentRegistry(ToolRegistry tools, Optional<Path> agentsDir, Graders graders) {
        this(new AgentSpecs(tools, GuardrailRegistry.builtIn(), graders), agentsDir);
    }

    /** @param specs the tools, guardrails and graders agent files may name */
    public AgentRegistry(AgentSpecs specs, Optional<Path> agentsDir) {
        List<Agent> builtIns = BuiltInAgents.all(specs.tools());
        for (Agent agent : builtIns) {
            put(agent, BuiltInAgents.evaluators(agent.name(), specs.graders()),
                    AgentSpecs.specOf(agent, BuiltInAgents.evaluatorDeclarations(agent.name())), BUILTIN);
        }
        agentsDir.ifPresent(dir -> new AgentDefinitionLoader(specs).loadWithEvaluators(dir, List.copyOf(builtIns))
                .forEach(loaded -> put(loaded.agent(), loaded.evaluators(), loaded.spec(), FILE)));
        LOG.infof("Agents available: %s", String.join(", ", agents.keySet()));
    }

    private void put(Agent agent, List<InlineEvaluator> evaluators, Map<String, Object> spec, String source) {
        agents.put(agent.name(), new Entry(agent, List.copyOf(evaluators), spec, AgentSpecValidation.versionOf(spec),
                source));
    }

    /** The evaluators graded after each finished run that started with {@code agent}; empty for none or unknown. */
    public List<InlineEvaluator> evaluators(String agent) {
        Entry entry = agents.get(agent);
        return entry == null ? List.of() : entry.evaluators();
    }

    @Override
    public Optional<Agent> find(String name) {
        return Optional.ofNullable(agents.get(name)).map(Entry::agent);
    }

    /** The agent's version: {@code sha256:} of its spec in the registered format; empty for an unknown name. */
    public Optional<String> version(String name) {
        return Optional.ofNullable(agents.get(name)).map(Entry::version);
    }

    /** The agent's spec in the one agent format (registered form: no {@code evaluation}); empty for unknown. */
    public Optional<Map<String, Object>> spec(String name) {
        return Optional.ofNullable(agents.get(name)).map(Entry::spec);
    }

    /** {@link #BUILTIN} or {@link #FILE}; empty for an unknown name. */
    public Optional<String> source(String name) {
        return Optional.ofNullable(agents.get(name)).map(Entry::source);
    }

    /** Built-ins first, then declarative agents in file order. */
    public List<String> names() {
        return List.copyOf(agents.keySet());
    }
}
