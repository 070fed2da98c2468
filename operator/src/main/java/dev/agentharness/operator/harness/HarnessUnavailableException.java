package dev.agentharness.operator.harness;

/**
 * The harness could not be asked: unreachable, timed out, answered 5xx, or refused the
 * operator's credentials (or its delegation). Never the user's fault; the operator retries with backoff and the
 * AgentRun keeps {@code Succeeded=Unknown} with reason {@code HarnessUnavailable}. A namespace held back at a limit
 * or suspended is the subclass {@link HarnessThrottledException}. The message is
 * already safe for a status (no URL, no token).
 */
public class HarnessUnavailableException extends RuntimeException {

    public HarnessUnavailableException(String message) {
        super(message);
    }
}
