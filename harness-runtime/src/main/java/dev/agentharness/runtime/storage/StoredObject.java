package dev.agentharness.runtime.storage;

/** What a store holds under {@code key}: enough to record an artifact row and to check the bytes later. */
public record StoredObject(String key, long size, String sha256, String contentType) {
}
