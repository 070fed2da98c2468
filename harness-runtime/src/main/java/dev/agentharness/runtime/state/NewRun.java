package dev.agentharness.runtime.state;

/**
 * A run as submitted, before it is stored. {@code idempotencyKey}, {@code timeoutSeconds} and the run's budget
 * ({@code maxCostUsd}, {@code maxTokens}) may be null.
 */
public record NewRun(String runId, String sessionId, String principal, String agent, String model, String message,
        String requestJson, String requestHash, String idempotencyKey, int maxTurns, Integer timeoutSeconds,
        boolean saveArtifact, String traceId, Double maxCostUsd, Long maxTokens) {

    /** A run without a budget of its own. */
    public NewRun(String runId, String sessionId, String principal, String agent, String model, String message,
                  String requestJson, String requestHash, String idempotencyKey, int maxTurns, Integer timeoutSeconds,
                  boolean saveArtifact, String traceId) {
        this(runId, sessionId, principal, agent, model, message, requestJson, requestHash, idempotencyKey, maxTurns,
                timeoutSeconds, saveArtifact, traceId, null, null);
    }
}
