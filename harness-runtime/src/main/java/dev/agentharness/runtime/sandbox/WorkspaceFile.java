package dev.agentharness.runtime.sandbox;

/** One child of a listed directory; {@code size} is 0 for directories. */
public record WorkspaceFile(String name, boolean directory, long size) {
}
