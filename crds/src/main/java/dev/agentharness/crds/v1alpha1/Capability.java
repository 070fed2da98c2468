package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonValue;

/** What the model may do in a sandbox (the Agents SDK's capability types). */
public enum Capability {
    FILESYSTEM("filesystem"),
    SHELL("shell"),
    COMPACTION("compaction"),
    SKILLS("skills"),
    MEMORY("memory");

    private final String wire;

    Capability(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }
}
