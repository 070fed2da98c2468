package dev.agentharness.fakes.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;

/**
 * Wraps output items in the full Responses API {@code response} object. Every field the real API
 * returns for a completed, non-streamed response is present, echoing the request where the real
 * API echoes it, so the official clients parse it with response validation switched on.
 */
public final class ResponseEnvelope {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ResponseEnvelope() {
    }

    /**
     * A deterministic stand-in for a tokenizer: one token per four characters, rounded up, so tests
     * can compute the usage they expect from the recorded request.
     */
    public static long tokens(String text) {
        return (text.length() + 3) / 4;
    }

    /** The tokens the fake charges for a request: those of its body as compact JSON. */
    public static long inputTokens(JsonNode requestBody) {
        return tokens(requestBody.toString());
    }

    /** The tokens the fake charges for output items: those of their texts and call arguments. */
    public static long outputTokens(List<ObjectNode> items) {
        long tokens = 0;
        for (ObjectNode item : items) {
            tokens += tokens(item.path("arguments").asText(""));
            for (JsonNode part : item.path("content")) {
                tokens += tokens(part.path("text").asText(""));
            }
        }
        return tokens;
    }

    public static ObjectNode completed(JsonNode request, List<ObjectNode> items, Instant now) {
        return completed(request, items, null, now);
    }

    /** As {@link #completed(JsonNode, List, Instant)}, reporting {@code usage} (null: the fake's own count). */
    public static ObjectNode completed(JsonNode request, List<ObjectNode> items, Reply.TokenUsage usage, Instant now) {
        ObjectNode response = JSON.createObjectNode()
                .put("id", Reply.Ids.next("resp"))
                .put("object", "response")
                .put("created_at", now.getEpochSecond())
                .put("status", "completed")
                .put("background", false);
        response.putNull("error");
        response.putNull("incomplete_details");
        response.set("instructions", request.path("instructions").isMissingNode()
                ? JSON.nullNode() : request.get("instructions"));
        response.set("max_output_tokens", orNull(request.path("max_output_tokens")));
        response.putNull("max_tool_calls");
        response.put("model", request.path("model").asText());
        response.putArray("output").addAll(items);
        response.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
        response.putNull("previous_response_id");
        response.putObject("reasoning").putNull("effort").putNull("summary");
        response.put("service_tier", "default");
        response.put("store", request.path("store").asBoolean(true));
        response.put("temperature", request.path("temperature").asDouble(1.0));
        ObjectNode text = response.putObject("text");
        text.putObject("format").put("type", "text");
        text.put("verbosity", "medium");
        response.put("tool_choice", "auto");
        response.set("tools", request.path("tools").isArray() ? request.get("tools") : JSON.createArrayNode());
        response.put("top_logprobs", 0);
        response.put("top_p", request.path("top_p").asDouble(1.0));
        response.put("truncation", "disabled");
        response.set("usage", usage != null ? usage(usage)
                : usage(new Reply.TokenUsage(inputTokens(request), 0, outputTokens(items), 0)));
        response.putNull("user");
        response.set("metadata", request.path("metadata").isObject() ? request.get("metadata") : JSON.createObjectNode());
        return response;
    }

    private static ObjectNode usage(Reply.TokenUsage tokens) {
        ObjectNode usage = JSON.createObjectNode().put("input_tokens", tokens.inputTokens());
        usage.putObject("input_tokens_details").put("cached_tokens", tokens.cachedInputTokens())
                .put("cache_write_tokens", 0);
        usage.put("output_tokens", tokens.outputTokens());
        usage.putObject("output_tokens_details").put("reasoning_tokens", tokens.reasoningTokens());
        usage.put("total_tokens", tokens.inputTokens() + tokens.outputTokens());
        return usage;
    }

    private static JsonNode orNull(JsonNode node) {
        return node.isMissingNode() ? JSON.nullNode() : node;
    }
}
