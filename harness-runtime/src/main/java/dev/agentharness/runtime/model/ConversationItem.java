package dev.agentharness.runtime.model;

/**
 * One item of a Responses API conversation, in both directions: the model emits
 * {@link AssistantMessage} and {@link FunctionCall}; the harness sends the history back with the
 * {@link UserMessage}s and {@link FunctionCallOutput}s it added.
 */
public sealed interface ConversationItem {

    /** {@code {"role":"user","content":…}} */
    record UserMessage(String text) implements ConversationItem {
    }

    /** A {@code message} output item with role {@code assistant}; {@code text} joins its output_text parts. */
    record AssistantMessage(String text) implements ConversationItem {
    }

    /** A {@code function_call} item: the model asks to run tool {@code name} with JSON {@code arguments}. */
    record FunctionCall(String callId, String name, String arguments) implements ConversationItem {
    }

    /** A {@code function_call_output} item: what the tool returned, as text. */
    record FunctionCallOutput(String callId, String output) implements ConversationItem {
    }
}
