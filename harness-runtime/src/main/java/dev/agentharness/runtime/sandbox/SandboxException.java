package dev.agentharness.runtime.sandbox;

/**
 * A sandbox operation failed. The message is written for the model (it becomes a tool output) and
 * for the run's failure detail, so it never contains host paths or secrets.
 */
public class SandboxException extends Exception {

    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
