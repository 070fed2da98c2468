package dev.agentharness.runtime.agent;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The named guardrails an agent spec may list under {@code inputGuardrails}/{@code outputGuardrails} (docs/agents.md).
 * A guardrail is a check on text, so any of them may guard either side; all are trusted harness code.
 */
public final class GuardrailRegistry {

    private final Map<String, Guardrail> guardrails = new TreeMap<>();

    public GuardrailRegistry(List<Guardrail> guardrails) {
        for (Guardrail guardrail : guardrails) {
            if (this.guardrails.putIfAbsent(guardrail.name(), guardrail) != null) {
                throw new IllegalArgumentException("two guardrails named " + guardrail.name());
            }
        }
    }

    /** {@code no_card_numbers} and {@code no_secrets} ({@link SupportGuardrails}). */
    public static GuardrailRegistry builtIn() {
        return new GuardrailRegistry(List.of(SupportGuardrails.noCardNumbers(), SupportGuardrails.noSecrets()));
    }

    public Optional<Guardrail> find(String name) {
        return Optional.ofNullable(guardrails.get(name));
    }

    /** Sorted, for stable error messages. */
    public List<String> names() {
        return List.copyOf(guardrails.keySet());
    }
}
