package dev.agentharness.runtime.state;

/** A migration cannot be applied safely (e.g. an applied script was edited). Never retried: a human must look. */
public class MigrationException extends RuntimeException {

    public MigrationException(String message) {
        super(message);
    }

    public MigrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
