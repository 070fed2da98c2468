package dev.agentharness.runtime.state;

/** A pointer to a stored artifact (the bytes live in object storage under {@code key}). */
public record ArtifactRow(String name, String key, long size, String sha256, String contentType) {
}
