package dev.agentharness.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * Body of {@code POST /runs}. Everything but {@code message} is optional; the harness fills
 * defaults (agent {@code maya}, the configured model, max_turns 10).
 *
 * @param manifest   a sandbox manifest (SPEC §8) as plain JSON; validated by the harness
 * @param maxCostUsd the run's budget in US dollars: before every model call the run ends {@code failed} with reason
 *                   {@code BudgetExceeded} once what it has spent (or is certain to spend on the next call) exceeds it
 * @param maxTokens  the same bound on input + output tokens
 * @param agentVersion pins the agent's version ({@code sha256:…}, a registered version of the caller's agent); absent:
 *                   the agent's active version. The run records the version it used either way.
 */
public record RunRequest(
        @JsonProperty("message") String message,
        @JsonProperty("session_id") String sessionId,
        @JsonProperty("agent") String agent,
        @JsonProperty("model") String model,
        @JsonProperty("save_artifact") Boolean saveArtifact,
        @JsonProperty("manifest") Map<String, Object> manifest,
        @JsonProperty("max_turns") Integer maxTurns,
        @JsonProperty("timeout_seconds") Integer timeoutSeconds,
        @JsonProperty("metadata") Map<String, String> metadata,
        @JsonProperty("max_cost_usd") Double maxCostUsd,
        @JsonProperty("max_tokens") Long maxTokens,
        @JsonProperty("agent_version") String agentVersion) {

    /** A request that takes the agent's active version. */
    public RunRequest(String message, String sessionId, String agent, String model, Boolean saveArtifact,
                      Map<String, Object> manifest, Integer maxTurns, Integer timeoutSeconds,
                      Map<String, String> metadata, Double maxCostUsd, Long maxTokens) {
        this(message, sessionId, agent, model, saveArtifact, manifest, maxTurns, timeoutSeconds, metadata, maxCostUsd,
                maxTokens, null);
    }

    /** A request without a per-run budget. */
    public RunRequest(String message, String sessionId, String agent, String model, Boolean saveArtifact,
                      Map<String, Object> manifest, Integer maxTurns, Integer timeoutSeconds,
                      Map<String, String> metadata) {
        this(message, sessionId, agent, model, saveArtifact, manifest, maxTurns, timeoutSeconds, metadata, null, null, null);
    }

    public static RunRequest of(String message) {
        return new RunRequest(message, null, null, null, null, null, null, null, null);
    }
}
