package dev.agentharness.runtime.model;

/**
 * One call to a Responses-API-compatible model. Implementations retry transient failures
 * themselves (429/5xx, honouring Retry-After) and enforce a per-call timeout; what reaches the
 * caller as {@link ModelException} is final for this call.
 */
public interface ModelClient {

    ModelResponse respond(ModelRequest request) throws ModelException;

    /** False when no API key/endpoint is configured: runs are refused with 503 before they start. */
    boolean configured();

    /** The environment variable a user must set to make {@link #configured()} true. */
    String missingConfiguration();
}
