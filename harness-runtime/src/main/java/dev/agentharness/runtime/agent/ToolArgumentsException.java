package dev.agentharness.runtime.agent;

/** The model sent arguments that are not valid JSON or do not fit the tool's argument record. */
public class ToolArgumentsException extends Exception {

    public ToolArgumentsException(String message, Throwable cause) {
        super(message, cause);
    }
}
