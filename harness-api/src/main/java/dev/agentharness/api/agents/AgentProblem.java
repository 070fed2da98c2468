package dev.agentharness.api.agents;

/**
 * One thing wrong with an agent spec.
 *
 * @param field   where, in the spec's own terms: {@code instructions}, {@code tools[2]}, {@code modelSettings.topP}
 * @param message what is wrong and how to fix it
 */
public record AgentProblem(String field, String message) {

    @Override
    public String toString() {
        return field + ": " + message;
    }
}
