package dev.agentharness.runtime.agent;

import dev.agentharness.runtime.model.ModelSettings;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * An agent as the Agents SDK defines one: a system prompt, the tools it may call and the agents it
 * may hand off to (by name, resolved by the runner through {@link AgentLookup}, so agents can refer
 * to each other in cycles).
 *
 * @param handoffDescription appended to the handoff tool description other agents see for this one
 * @param model              null = the run's default model
 */
public record Agent(
        String name,
        String handoffDescription,
        String instructions,
        List<FunctionTool> tools,
        List<String> handoffs,
        List<Guardrail> inputGuardrails,
        List<Guardrail> outputGuardrails,
        String model,
        ModelSettings modelSettings) {

    public Agent {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(instructions, "instructions");
        handoffDescription = handoffDescription == null ? "" : handoffDescription;
        tools = List.copyOf(tools);
        handoffs = List.copyOf(handoffs);
        inputGuardrails = List.copyOf(inputGuardrails);
        outputGuardrails = List.copyOf(outputGuardrails);
        modelSettings = modelSettings == null ? ModelSettings.DEFAULTS : modelSettings;
        Set<String> toolNames = new HashSet<>();
        for (FunctionTool tool : tools) {
            if (!toolNames.add(tool.name())) {
                throw new IllegalArgumentException("agent " + name + " has two tools named " + tool.name());
            }
        }
    }

    /** An agent with only a prompt and tools; the other fields take their defaults. */
    public static Agent of(String name, String instructions, List<FunctionTool> tools) {
        return new Agent(name, "", instructions, tools, List.of(), List.of(), List.of(), null, null);
    }

    public Agent withHandoffs(List<String> targets) {
        return new Agent(name, handoffDescription, instructions, tools, targets, inputGuardrails, outputGuardrails,
                model, modelSettings);
    }

    public Agent withGuardrails(List<Guardrail> input, List<Guardrail> output) {
        return new Agent(name, handoffDescription, instructions, tools, handoffs, input, output, model, modelSettings);
    }

    public Agent withHandoffDescription(String description) {
        return new Agent(name, description, instructions, tools, handoffs, inputGuardrails, outputGuardrails,
                model, modelSettings);
    }
}
