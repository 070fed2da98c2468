package dev.agentharness.runtime.agent;

import java.util.Objects;

/**
 * A named check on text: the user's input (input guardrail, first agent only, before the first model
 * call) or the final reply (output guardrail, agent that produced it). A tripwire fails the run.
 */
public record Guardrail(String name, Check check) {

    @FunctionalInterface
    public interface Check {
        GuardrailResult evaluate(ToolContext context, String text);
    }

    public Guardrail {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(check, "check");
    }
}
