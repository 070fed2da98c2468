package dev.agentharness.runtime.agent;

/** A guardrail's verdict; {@code explanation} says why it tripped and never repeats the offending text. */
public record GuardrailResult(boolean tripwire, String explanation) {

    public static GuardrailResult pass() {
        return new GuardrailResult(false, "");
    }

    public static GuardrailResult trip(String explanation) {
        return new GuardrailResult(true, explanation);
    }
}
