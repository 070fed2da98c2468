package dev.agentharness.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A stored artifact of a run: a reference, never an expiring link. */
public record ArtifactRef(
        @JsonProperty("name") String name,
        @JsonProperty("key") String key,
        @JsonProperty("size") long size,
        @JsonProperty("sha256") String sha256,
        @JsonProperty("content_type") String contentType) {
}
