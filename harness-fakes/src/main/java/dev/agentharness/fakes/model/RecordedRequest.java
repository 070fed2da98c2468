package dev.agentharness.fakes.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP request the FAKE model server received, as it arrived.
 *
 * @param headers header names in lower case
 * @param body    the parsed JSON body; a text node holding the raw body when it was not JSON
 */
public record RecordedRequest(String path, Map<String, List<String>> headers, JsonNode body, Instant receivedAt) {

    public RecordedRequest {
        headers = Map.copyOf(headers);
    }

    /** The first value of a header, case-insensitively. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    public String model() {
        return body.path("model").asText(null);
    }

    /** The {@code instructions} field, or null when absent. */
    public String instructions() {
        JsonNode instructions = body.get("instructions");
        return instructions == null || instructions.isNull() ? null : instructions.asText();
    }

    /** The {@code input} items; a plain-string input counts as one user message. */
    public List<JsonNode> inputItems() {
        JsonNode input = body.path("input");
        if (input.isTextual()) {
            return List.of(JsonNodeFactory.instance.objectNode().put("role", "user").put("content", input.asText()));
        }
        List<JsonNode> items = new ArrayList<>();
        input.forEach(items::add);
        return items;
    }

    public List<JsonNode> tools() {
        List<JsonNode> tools = new ArrayList<>();
        body.path("tools").forEach(tools::add);
        return tools;
    }

    public List<String> toolNames() {
        return tools().stream().map(tool -> tool.path("name").asText()).toList();
    }

    /** The {@code function_call} items of the input, in order. */
    public List<JsonNode> functionCalls() {
        return inputItems().stream().filter(item -> "function_call".equals(item.path("type").asText())).toList();
    }

    /** call_id → output of every {@code function_call_output} item in the input, in order. */
    public Map<String, String> functionCallOutputs() {
        Map<String, String> outputs = new LinkedHashMap<>();
        for (JsonNode item : inputItems()) {
            if ("function_call_output".equals(item.path("type").asText())) {
                JsonNode output = item.path("output");
                outputs.put(item.path("call_id").asText(), output.isTextual() ? output.asText() : output.toString());
            }
        }
        return outputs;
    }

    /** The output of the first {@code function_call_output} answering a call to tool {@code name}. */
    public Optional<String> functionCallOutputFor(String toolName) {
        Map<String, String> outputs = functionCallOutputs();
        return functionCalls().stream()
                .filter(call -> toolName.equals(call.path("name").asText()))
                .map(call -> outputs.get(call.path("call_id").asText()))
                .filter(output -> output != null)
                .findFirst();
    }

    /**
     * The output of the first {@code function_call_output} answering a call to tool {@code toolName} made after the
     * latest user message: what this turn of a session has found so far. Earlier turns' outputs (the session's
     * history) do not count, so a follow-up message is worked on afresh.
     */
    public Optional<String> currentTurnOutputFor(String toolName) {
        List<JsonNode> items = inputItems();
        int turnStart = 0;
        for (int i = items.size() - 1; i >= 0; i--) {
            if ("user".equals(items.get(i).path("role").asText())) {
                turnStart = i + 1;
                break;
            }
        }
        List<JsonNode> turn = items.subList(turnStart, items.size());
        Map<String, String> outputs = new LinkedHashMap<>();
        for (JsonNode item : turn) {
            if ("function_call_output".equals(item.path("type").asText())) {
                JsonNode output = item.path("output");
                outputs.put(item.path("call_id").asText(), output.isTextual() ? output.asText() : output.toString());
            }
        }
        return turn.stream()
                .filter(item -> "function_call".equals(item.path("type").asText()))
                .filter(call -> toolName.equals(call.path("name").asText()))
                .map(call -> outputs.get(call.path("call_id").asText()))
                .filter(output -> output != null)
                .findFirst();
    }

    /** How many user messages the input holds: 1 on a session's first turn, n on its n-th. */
    public int userMessageCount() {
        return (int) inputItems().stream().filter(item -> "user".equals(item.path("role").asText())).count();
    }

    /** The text of the last user message in the input, or "" when there is none. */
    public String latestUserMessage() {
        List<JsonNode> items = inputItems();
        for (int i = items.size() - 1; i >= 0; i--) {
            JsonNode item = items.get(i);
            if ("user".equals(item.path("role").asText())) {
                return textOf(item.path("content"));
            }
        }
        return "";
    }

    private static String textOf(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        content.forEach(part -> text.append(part.path("text").asText("")));
        return text.toString();
    }
}
