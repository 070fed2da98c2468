package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * A stored artifact of a run. A reference only: links expire, so the harness mints a fresh one
 * on every {@code GET /runs/{runId}/artifacts/{name}}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ArtifactReference {

    @JsonPropertyDescription("File name, e.g. reply.md.")
    private String name;

    @JsonPropertyDescription("Object key in the harness's store, e.g. outputs/run_…/reply.md.")
    private String key;

    @JsonPropertyDescription("Size in bytes.")
    private Long size;

    @JsonPropertyDescription("Hex SHA-256 of the content.")
    private String sha256;

    public ArtifactReference() {
    }

    public ArtifactReference(String name, String key, Long size, String sha256) {
        this.name = name;
        this.key = key;
        this.size = size;
        this.sha256 = sha256;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getKey() {
        return key;
    }

    public void setKey(String key) {
        this.key = key;
    }

    public Long getSize() {
        return size;
    }

    public void setSize(Long size) {
        this.size = size;
    }

    public String getSha256() {
        return sha256;
    }

    public void setSha256(String sha256) {
        this.sha256 = sha256;
    }
}
