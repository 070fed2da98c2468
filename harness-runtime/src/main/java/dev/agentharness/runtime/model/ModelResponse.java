package dev.agentharness.runtime.model;

import java.util.List;

/**
 * The model's answer to one turn: its output items in order (assistant messages and function
 * calls) and the tokens the call used.
 */
public record ModelResponse(String responseId, List<ConversationItem> output, long inputTokens, long outputTokens) {

    public ModelResponse {
        output = List.copyOf(output);
    }
}
