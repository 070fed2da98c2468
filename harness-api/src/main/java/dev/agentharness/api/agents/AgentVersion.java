package dev.agentharness.api.agents;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.OffsetDateTime;
import java.util.Map;

/**
 * One immutable version of a tenant's agent ({@code GET /agents/{name}/versions/{version}}, and the answer of
 * {@code PUT /agents/{name}}).
 *
 * @param version   {@code sha256:<hex>} of the registered spec ({@link AgentSpecValidation#version()})
 * @param spec      the registered spec (normalised; no {@code evaluation}, no {@code sandboxManifestRef})
 * @param created   on {@code PUT}: whether this call registered it (false: the same spec was registered before)
 * @param active    whether runs that name the agent without a version get this one
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record AgentVersion(
        @JsonProperty("name") String name,
        @JsonProperty("version") String version,
        @JsonProperty("spec") Map<String, Object> spec,
        @JsonProperty("created_at") OffsetDateTime createdAt,
        @JsonProperty("created") boolean created,
        @JsonProperty("active") boolean active) {
}
