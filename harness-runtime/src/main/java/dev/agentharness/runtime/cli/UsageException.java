package dev.agentharness.runtime.cli;

/** The command line or a file it names is wrong: printed as {@code error: …}, exit code 2, nothing was done. */
public class UsageException extends RuntimeException {

    public UsageException(String message) {
        super(message);
    }
}
