package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonValue;

/** The sandbox providers of SPEC §8. */
public enum SandboxProviderName {
    LOCAL("local"),
    E2B("e2b"),
    KUBERNETES("kubernetes"),
    CLOUDFLARE("cloudflare");

    private final String wire;

    SandboxProviderName(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }
}
