package dev.agentharness.runtime.sandbox;

/**
 * A snapshot the harness would not keep: the workspace is larger than one run may snapshot, or the
 * snapshot space of all runs together is full. The message is written for the model: the run goes
 * on, but a sandbox lost from now on comes back with the last snapshot that fitted.
 */
public final class SnapshotRefusedException extends SandboxException {

    public SnapshotRefusedException(String message) {
        super(message);
    }
}
