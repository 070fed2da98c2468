package dev.agentharness.runtime.state;

/** The database could not be reached or did not answer in time. */
public class DatabaseException extends RuntimeException {

    public DatabaseException(String message, Throwable cause) {
        super(message, cause);
    }
}
