package dev.agentharness.runtime.model;

import java.util.List;

/**
 * The model's answer to one turn: its output items in order (assistant messages and function
 * calls), the tokens the call used, and what the API said about the answer itself.
 *
 * @param responseModel     the model that answered as the API names it (a dated snapshot of the requested one); null
 *                          when unknown
 * @param finishReason      why the answer ended, in the OpenTelemetry GenAI vocabulary ({@code stop}, {@code tool_call},
 *                          {@code length}, {@code content_filter}, {@code error}) or the API's own status when it has
 *                          no equivalent; null when unknown
 * @param cachedInputTokens input tokens served from the provider's prompt cache (part of {@code inputTokens})
 * @param reasoningTokens   output tokens spent on reasoning (part of {@code outputTokens})
 */
public record ModelResponse(String responseId, List<ConversationItem> output, long inputTokens, long outputTokens,
                            String responseModel, String finishReason, long cachedInputTokens, long reasoningTokens) {

    public ModelResponse {
        output = List.copyOf(output);
    }

    /** An answer that says nothing beyond its usage (a scripted model, or a journal written before the details). */
    public ModelResponse(String responseId, List<ConversationItem> output, long inputTokens, long outputTokens) {
        this(responseId, output, inputTokens, outputTokens, null, null, 0, 0);
    }
}
