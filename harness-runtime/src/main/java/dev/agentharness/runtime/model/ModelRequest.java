package dev.agentharness.runtime.model;

import java.util.List;
import java.util.Map;

/**
 * What the agent loop sends for one turn: the agent's instructions, the whole conversation so far
 * and the tools (function tools and handoffs) the model may call.
 *
 * @param metadata small string map forwarded as Responses API {@code metadata} (run id etc.)
 */
public record ModelRequest(
        String model,
        String instructions,
        List<ConversationItem> input,
        List<ToolSpec> tools,
        ModelSettings settings,
        Map<String, String> metadata) {

    public ModelRequest {
        input = List.copyOf(input);
        tools = List.copyOf(tools);
        settings = settings == null ? ModelSettings.DEFAULTS : settings;
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }
}
