package dev.agentharness.runtime.client;

/** The harness did not answer at all (connection refused, timeout, broken stream). */
public class HarnessUnreachableException extends Exception {

    public HarnessUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
