package dev.agentharness.runtime.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.runtime.evals.GraderConfigException;
import dev.agentharness.runtime.evals.Graders;
import dev.agentharness.runtime.evals.InlineEvaluator;
import dev.agentharness.runtime.model.ModelSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A registered agent spec → the loop's {@link Agent} and its inline evaluators. (Minimal stand-in for helper A1's
 * class of the same name, which replaces it on merge: same {@link Built} and {@link #build(String, String)}.)
 */
public final class AgentSpecs {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** An agent built from its spec; {@code sandboxManifest} null when the spec has none. */
    public record Built(Agent agent, List<InlineEvaluator> evaluators, Map<String, Object> sandboxManifest) {

        public Built {
            Objects.requireNonNull(agent, "agent");
            evaluators = List.copyOf(evaluators);
        }
    }

    private final ToolRegistry tools;
    private final Graders graders;

    public AgentSpecs(ToolRegistry tools, Graders graders) {
        this.tools = tools;
        this.graders = graders;
    }

    public Built build(String name, String specJson) {
        Map<String, Object> spec;
        try {
            spec = JSON.readValue(specJson, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw new AgentDefinitionException("agent spec is not a JSON object: " + e.getOriginalMessage(), e);
        }
        List<FunctionTool> agentTools = new ArrayList<>();
        for (String tool : strings(spec.get("tools"))) {
            agentTools.add(tools.find(tool).orElseThrow(() -> new AgentDefinitionException("agent " + name
                    + ": unknown tool '" + tool + "'")));
        }
        List<Guardrail> input = new ArrayList<>();
        for (String guardrail : strings(spec.get("inputGuardrails"))) {
            input.add(guardrail("no_card_numbers", guardrail, SupportGuardrails.noCardNumbers(), name));
        }
        List<Guardrail> output = new ArrayList<>();
        for (String guardrail : strings(spec.get("outputGuardrails"))) {
            output.add(guardrail("no_secrets", guardrail, SupportGuardrails.noSecrets(), name));
        }
        List<InlineEvaluator> evaluators = new ArrayList<>();
        if (spec.get("evaluators") instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                try {
                    evaluators.add(graders.parseEvaluator(JSON.valueToTree(list.get(i)), "evaluators[" + i + "]"));
                } catch (GraderConfigException e) {
                    throw new AgentDefinitionException("agent " + name + ": " + e.getMessage(), e);
                }
            }
        }
        Map<?, ?> settings = spec.get("modelSettings") instanceof Map<?, ?> m ? m : Map.of();
        ModelSettings modelSettings = new ModelSettings(
                settings.get("temperature") instanceof Number n ? n.doubleValue() : null,
                settings.get("topP") instanceof Number n ? n.doubleValue() : null,
                settings.get("maxOutputTokens") instanceof Number n ? n.intValue() : null, null);
        Agent agent = new Agent(name, (String) spec.get("description"), (String) spec.get("instructions"), agentTools,
                strings(spec.get("handoffs")), input, output, (String) spec.get("model"), modelSettings);
        @SuppressWarnings("unchecked")
        Map<String, Object> manifest = spec.get("sandboxManifest") instanceof Map<?, ?> m
                ? (Map<String, Object>) m : null;
        return new Built(agent, evaluators, manifest);
    }

    private static Guardrail guardrail(String known, String named, Guardrail guardrail, String agent) {
        if (!known.equals(named)) {
            throw new AgentDefinitionException("agent " + agent + ": unknown guardrail '" + named + "'");
        }
        return guardrail;
    }

    private static List<String> strings(Object value) {
        return value instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.of();
    }
}
