package dev.agentharness.runtime.sandbox;

import dev.agentharness.api.sandbox.Manifest;
import java.time.Duration;
import java.util.Objects;

/**
 * What to provision.
 *
 * @param sessionPath what {@code {session_id}} stands for in a mount prefix: the run's session scoped to its
 *                    principal ({@link dev.agentharness.runtime.storage.ObjectKeys#sessionPath}), so a mount
 *                    of {@code inputs/{session_id}/} reaches only that principal's session
 * @param timeout how long the sandbox may live at most; the reaper destroys it afterwards
 */
public record SandboxSpec(String runId, String sessionPath, Manifest manifest, Duration timeout) {

    public SandboxSpec {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(timeout, "timeout");
    }
}
