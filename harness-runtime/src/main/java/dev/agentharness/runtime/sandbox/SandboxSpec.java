package dev.agentharness.runtime.sandbox;

import dev.agentharness.api.sandbox.Manifest;
import java.time.Duration;
import java.util.Objects;

/**
 * What to provision.
 *
 * @param timeout how long the sandbox may live at most; the reaper destroys it afterwards
 */
public record SandboxSpec(String runId, String sessionId, Manifest manifest, Duration timeout) {

    public SandboxSpec {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(timeout, "timeout");
    }
}
