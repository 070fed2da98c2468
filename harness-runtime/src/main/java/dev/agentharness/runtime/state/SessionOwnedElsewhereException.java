package dev.agentharness.runtime.state;

/** The session id already exists and belongs to another principal; the caller maps this to 403/409. */
public class SessionOwnedElsewhereException extends RuntimeException {

    public SessionOwnedElsewhereException() {
        super("session belongs to another principal");
    }

    public SessionOwnedElsewhereException(String sessionId) {
        // No principal in the message: it would leak who owns the session.
        super("session '" + sessionId + "' belongs to another principal");
    }
}
