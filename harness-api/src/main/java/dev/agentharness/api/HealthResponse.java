package dev.agentharness.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * {@code GET /health}. On a bare boot this is exactly
 * {@code {"status":"ok","model":"gpt-5.4-mini","backends":{"postgres":false,"sandbox":false,"r2":false}}}:
 * a flag is true only when that backend is configured and answers.
 */
@JsonPropertyOrder({"status", "model", "backends"})
public record HealthResponse(
        @JsonProperty("status") String status,
        @JsonProperty("model") String model,
        @JsonProperty("backends") Backends backends) {

    @JsonPropertyOrder({"postgres", "sandbox", "r2"})
    public record Backends(
            @JsonProperty("postgres") boolean postgres,
            @JsonProperty("sandbox") boolean sandbox,
            @JsonProperty("r2") boolean r2) {
    }
}
