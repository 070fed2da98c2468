package dev.agentharness.api.agents;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * An agent as {@code GET /agents/{name}} shows it to a tenant.
 *
 * @param source         {@code api} (registered by the tenant through {@code PUT /agents/{name}}, the operator's
 *                       way), {@code file} (the harness's agents directory) or {@code builtin}
 * @param activeVersion  the version runs get when they name no version; null while none is active
 * @param versions       newest first, at most 100; for {@code file}/{@code builtin} the one version the harness serves
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record AgentView(
        @JsonProperty("name") String name,
        @JsonProperty("source") String source,
        @JsonProperty("active_version") String activeVersion,
        @JsonProperty("versions") List<Summary> versions) {

    public AgentView {
        versions = versions == null ? List.of() : List.copyOf(versions);
    }

    /** One version in the list. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Summary(
            @JsonProperty("version") String version,
            @JsonProperty("created_at") OffsetDateTime createdAt,
            @JsonProperty("active") boolean active) {
    }
}
