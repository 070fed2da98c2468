package dev.agentharness.runtime.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.api.agents.AgentCatalog;
import dev.agentharness.api.agents.AgentProblem;
import dev.agentharness.api.agents.AgentSpecValidation;
import dev.agentharness.api.agents.AgentSpecValidator;
import dev.agentharness.runtime.evals.GraderConfigException;
import dev.agentharness.runtime.evals.Graders;
import dev.agentharness.runtime.evals.InlineEvaluator;
import dev.agentharness.runtime.model.ModelSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The agent spec (docs/agents.md; {@code harness-api agents/AgentSpecValidator}) as the loop runs it: a registered spec
 * → the loop's {@link Agent} (tools from the {@link ToolRegistry}, sandbox tools included; guardrails by name from the
 * {@link GuardrailRegistry}; {@code description} = what other agents see when they may hand off to it) and the inline
 * evaluators graded after its runs ({@link Graders#parseEvaluator}). One place for the mapping, used for tenant
 * versions ({@code runs/TenantAgents}), {@code Agent} custom-resource files and, the other way round
 * ({@link #specOf}), for the built-in and legacy file agents, so every agent has a version in the same format.
 */
public final class AgentSpecs {

    /** The JSON of specs: plain maps and lists (no naming strategy), integers as Integer/Long, decimals as Double. */
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * An agent built from its spec.
     *
     * @param sandboxManifest the spec's {@code sandboxManifest} (normalised SPEC §8 manifest JSON), null when it has
     *                        none: the manifest of runs that start with this agent and bring none themselves
     */
    public record Built(Agent agent, List<InlineEvaluator> evaluators,
                        Map<String, Object> sandboxManifest) {

        public Built {
            Objects.requireNonNull(agent, "agent");
            evaluators = List.copyOf(evaluators);
        }
    }

    private final ToolRegistry tools;
    private final GuardrailRegistry guardrails;
    private final Graders graders;

    public AgentSpecs(ToolRegistry tools, GuardrailRegistry guardrails, Graders graders) {
        this.tools = Objects.requireNonNull(tools, "tools");
        this.guardrails = Objects.requireNonNull(guardrails, "guardrails");
        this.graders = Objects.requireNonNull(graders, "graders");
    }

    public ToolRegistry tools() {
        return tools;
    }

    public GuardrailRegistry guardrails() {
        return guardrails;
    }

    public Graders graders() {
        return graders;
    }

    /**
     * The loop's agent and its evaluators from a registered (validated, normalised) spec. The spec was validated when
     * it was registered; a name this harness no longer knows (a tool removed since) fails here, naming the field.
     *
     * @throws AgentDefinitionException {@code <field>: <problem>} for a tool, guardrail or evaluator it cannot build
     */
    public Built build(String name, Map<String, Object> spec) {
        Objects.requireNonNull(spec, "spec");
        String instructions = string(spec.get("instructions"));
        if (instructions == null || instructions.isBlank()) {
            throw new AgentDefinitionException("agent " + name + ": instructions: required and must not be blank");
        }
        List<FunctionTool> agentTools = new ArrayList<>();
        List<String> toolNames = strings(spec.get("tools"));
        for (int i = 0; i < toolNames.size(); i++) {
            String tool = toolNames.get(i);
            int index = i;
            agentTools.add(tools.find(tool).orElseThrow(() -> new AgentDefinitionException("agent " + name
                    + ": tools[" + index + "]: unknown tool '" + tool + "'")));
        }
        List<Guardrail> input = guardrails(name, "inputGuardrails", spec);
        List<Guardrail> output = guardrails(name, "outputGuardrails", spec);
        List<InlineEvaluator> evaluators = new ArrayList<>();
        List<GraderConfigException> problems = parseEvaluators(spec.get("evaluators"), evaluators);
        if (!problems.isEmpty()) {
            throw new AgentDefinitionException("agent " + name + ": " + problems.getFirst().getMessage(),
                    problems.getFirst());
        }
        Agent agent = new Agent(name, string(spec.get("description")), instructions, agentTools,
                strings(spec.get("handoffs")), input, output, string(spec.get("model")),
                settings(spec.get("modelSettings")));
        @SuppressWarnings("unchecked")
        Map<String, Object> manifest = spec.get("sandboxManifest") instanceof Map<?, ?> m
                ? (Map<String, Object>) m : null;
        return new Built(agent, evaluators, manifest);
    }

    /** {@link #build(String, Map)} from the stored JSON text of a version ({@code public.agent_versions.spec}). */
    public Built build(String name, String specJson) {
        return build(name, parse(specJson));
    }

    /**
     * The evaluator problems of a spec the validator accepted (it checks only their shape; the grader configuration is
     * checked here): each names {@code evaluators[i]…}, as {@link AgentSpecValidator}'s problems do.
     */
    public List<AgentProblem> evaluatorProblems(Map<String, Object> spec) {
        return parseEvaluators(spec == null ? null : spec.get("evaluators"), new ArrayList<>()).stream()
                .map(e -> new AgentProblem(e.field(), e.problem())).toList();
    }

    /**
     * A catalog for {@link AgentSpecValidator} that knows this harness's tools and guardrails; handoff targets and
     * reserved names come from {@code agents}.
     */
    public AgentCatalog catalog(AgentCatalog agents) {
        Set<String> toolNames = new TreeSet<>(tools.names());
        Set<String> guardrailNames = new TreeSet<>(guardrails.names());
        return new AgentCatalog() {
            @Override
            public Optional<Set<String>> tools() {
                return Optional.of(toolNames);
            }

            @Override
            public Optional<Set<String>> guardrails() {
                return Optional.of(guardrailNames);
            }

            @Override
            public Optional<List<String>> handoffsOf(String agent) {
                return agents.handoffsOf(agent);
            }

            @Override
            public Optional<String> reservedName(String name) {
                return agents.reservedName(name);
            }
        };
    }

    /**
     * The spec of an agent defined in code (built-ins) or in a legacy flat file, in the registered format — so its
     * version ({@link AgentSpecValidation#versionOf}) is computed exactly as a registered agent's.
     *
     * @param evaluators the evaluator declarations as written ({name, &lt;grader kind&gt;: config, sample})
     */
    public static Map<String, Object> specOf(Agent agent, List<Map<String, Object>> evaluators) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("instructions", agent.instructions());
        if (!agent.handoffDescription().isBlank()) {
            spec.put("description", agent.handoffDescription());
        }
        if (agent.model() != null && !agent.model().isBlank()) {
            spec.put("model", agent.model());
        }
        ModelSettings settings = agent.modelSettings();
        Map<String, Object> modelSettings = new LinkedHashMap<>();
        if (settings.temperature() != null) {
            modelSettings.put("temperature", settings.temperature());
        }
        if (settings.topP() != null) {
            modelSettings.put("topP", settings.topP());
        }
        if (settings.maxOutputTokens() != null) {
            modelSettings.put("maxOutputTokens", settings.maxOutputTokens());
        }
        if (!modelSettings.isEmpty()) {
            spec.put("modelSettings", modelSettings);
        }
        putNames(spec, "tools", agent.tools().stream().map(FunctionTool::name).toList());
        putNames(spec, "handoffs", agent.handoffs());
        putNames(spec, "inputGuardrails", agent.inputGuardrails().stream().map(Guardrail::name).toList());
        putNames(spec, "outputGuardrails", agent.outputGuardrails().stream().map(Guardrail::name).toList());
        if (!evaluators.isEmpty()) {
            spec.put("evaluators", List.copyOf(evaluators));
        }
        // The validator's normalisation (numbers, stripped names) with every handoff target known and no cycle check:
        // built-in and legacy agents are checked by their own rules. A spec it refuses (a legacy name longer than 63)
        // keeps its own form: still a stable digest.
        AgentSpecValidation validation = AgentSpecValidator.validate(agent.name(), spec, other -> Optional.of(List.of()), AgentSpecValidator.Source.HARNESS);
        return validation.valid() ? validation.registered() : spec;
    }

    /** Parses stored or file spec JSON into maps and lists. */
    public static Map<String, Object> parse(String specJson) {
        try {
            return JSON.readValue(specJson, new TypeReference<LinkedHashMap<String, Object>>() {
            });
        } catch (JsonProcessingException e) {
            throw new AgentDefinitionException("agent spec is not a JSON object: " + e.getOriginalMessage(), e);
        }
    }

    /** The JSON text of a spec (for {@code public.agent_versions.spec}). */
    public static String json(Map<String, Object> spec) {
        try {
            return JSON.writeValueAsString(spec);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("agent spec is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** A JSON/YAML tree as the validator's input (maps, lists, strings, numbers, booleans). */
    public static Map<String, Object> toMap(com.fasterxml.jackson.databind.JsonNode node) {
        return JSON.convertValue(node, new TypeReference<LinkedHashMap<String, Object>>() {
        });
    }

    private List<GraderConfigException> parseEvaluators(Object declarations, List<InlineEvaluator> into) {
        List<GraderConfigException> problems = new ArrayList<>();
        if (!(declarations instanceof List<?> list)) {
            return problems;
        }
        for (int i = 0; i < list.size(); i++) {
            try {
                into.add(graders.parseEvaluator(JSON.valueToTree(list.get(i)), "evaluators[" + i + "]"));
            } catch (GraderConfigException e) {
                problems.add(e);
            }
        }
        return problems;
    }

    private List<Guardrail> guardrails(String agent, String field, Map<String, Object> spec) {
        List<String> names = strings(spec.get(field));
        List<Guardrail> found = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String guardrail = names.get(i);
            int index = i;
            found.add(guardrails.find(guardrail).orElseThrow(() -> new AgentDefinitionException("agent " + agent
                    + ": " + field + "[" + index + "]: unknown guardrail '" + guardrail + "'")));
        }
        return found;
    }

    private static ModelSettings settings(Object value) {
        if (!(value instanceof Map<?, ?> map) || map.isEmpty()) {
            return ModelSettings.DEFAULTS;
        }
        Integer max = map.get("maxOutputTokens") instanceof Number n ? n.intValue() : null;
        return new ModelSettings(decimal(map.get("temperature")), decimal(map.get("topP")), max, null);
    }

    private static Double decimal(Object value) {
        return value instanceof Number n ? n.doubleValue() : null;
    }

    private static String string(Object value) {
        return value instanceof String s ? s : null;
    }

    private static List<String> strings(Object value) {
        if (!(value instanceof List<?> list)) {
            return List.of();
        }
        return list.stream().map(String::valueOf).toList();
    }

    private static void putNames(Map<String, Object> spec, String field, List<String> names) {
        if (!names.isEmpty()) {
            spec.put(field, List.copyOf(names));
        }
    }
}
