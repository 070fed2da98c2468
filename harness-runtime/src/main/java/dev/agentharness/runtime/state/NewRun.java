package dev.agentharness.runtime.state;

import java.util.Map;

/**
 * A run as submitted, before it is stored. {@code idempotencyKey}, {@code timeoutSeconds} and the run's budget
 * ({@code maxCostUsd}, {@code maxTokens}) may be null; {@code agentVersion} is the version of the agent it starts
 * with and {@code agentVersions} the tenant agents it may use ({name: version}), both resolved at submission.
 */
public record NewRun(String runId, String sessionId, String principal, String agent, String model, String message,
        String requestJson, String requestHash, String idempotencyKey, int maxTurns, Integer timeoutSeconds,
        boolean saveArtifact, String traceId, Double maxCostUsd, Long maxTokens, String agentVersion,
        Map<String, String> agentVersions) {

    public NewRun {
        agentVersions = agentVersions == null ? Map.of() : Map.copyOf(agentVersions);
    }

    /** A run without a recorded agent version. */
    public NewRun(String runId, String sessionId, String principal, String agent, String model, String message,
                  String requestJson, String requestHash, String idempotencyKey, int maxTurns, Integer timeoutSeconds,
                  boolean saveArtifact, String traceId, Double maxCostUsd, Long maxTokens) {
        this(runId, sessionId, principal, agent, model, message, requestJson, requestHash, idempotencyKey, maxTurns,
                timeoutSeconds, saveArtifact, traceId, maxCostUsd, maxTokens, null, Map.of());
    }

    /** A run without a budget of its own. */
    public NewRun(String runId, String sessionId, String principal, String agent, String model, String message,
                  String requestJson, String requestHash, String idempotencyKey, int maxTurns, Integer timeoutSeconds,
                  boolean saveArtifact, String traceId) {
        this(runId, sessionId, principal, agent, model, message, requestJson, requestHash, idempotencyKey, maxTurns,
                timeoutSeconds, saveArtifact, traceId, null, null, null, Map.of());
    }
}
