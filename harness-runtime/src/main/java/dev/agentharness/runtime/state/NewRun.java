package dev.agentharness.runtime.state;

/** A run as submitted, before it is stored. {@code idempotencyKey} and {@code timeoutSeconds} may be null. */
public record NewRun(String runId, String sessionId, String principal, String agent, String model, String message,
        String requestJson, String requestHash, String idempotencyKey, int maxTurns, Integer timeoutSeconds,
        boolean saveArtifact, String traceId) {
}
