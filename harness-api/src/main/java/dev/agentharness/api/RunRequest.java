package dev.agentharness.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * Body of {@code POST /runs}. Everything but {@code message} is optional; the harness fills
 * defaults (agent {@code maya}, the configured model, max_turns 10).
 *
 * @param manifest a sandbox manifest (SPEC §8) as plain JSON; validated by the harness
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
        @JsonProperty("metadata") Map<String, String> metadata) {

    public static RunRequest of(String message) {
        return new RunRequest(message, null, null, null, null, null, null, null, null);
    }
}
