package dev.agentharness.runtime.agent;

/**
 * A declarative agent file that cannot be used. The message always starts with the file and the field,
 * e.g. {@code agents/researcher.yaml: tools[1]: unknown tool 'deploy' (known: draft_reply, lookup_account)}.
 */
public class AgentDefinitionException extends RuntimeException {

    public AgentDefinitionException(String message) {
        super(message);
    }

    public AgentDefinitionException(String message, Throwable cause) {
        super(message, cause);
    }
}
