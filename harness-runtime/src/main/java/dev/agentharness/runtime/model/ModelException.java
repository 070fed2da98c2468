package dev.agentharness.runtime.model;

/**
 * A model call that failed for good (retries exhausted, timeout, rejected request). The message is
 * safe to show users: it never contains the API key or the full endpoint credentials.
 */
public class ModelException extends RuntimeException {

    /** Whether the failure was the provider's (5xx/429/timeout) or the request's (4xx). */
    public enum Kind { UNAVAILABLE, TIMEOUT, REJECTED, NOT_CONFIGURED }

    private final Kind kind;

    public ModelException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public ModelException(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() {
        return kind;
    }
}
