package dev.agentharness.runtime.agent;

/** A tool call overran its deadline and was abandoned; the model gets a tool error, the run goes on. */
public class ToolTimeoutException extends Exception {

    public ToolTimeoutException(String message) {
        super(message);
    }
}
