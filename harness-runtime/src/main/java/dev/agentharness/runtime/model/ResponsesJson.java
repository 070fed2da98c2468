package dev.agentharness.runtime.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Responses API's JSON, both ways ({@code POST /responses}): the request streamed straight to bytes, the answer
 * read as a tree and kept to what the harness uses. Field names and item shapes are the API's (and what the official
 * SDK sends: {@code ResponsesJsonTest} reads our request with it and our reading of its answers against it).
 */
final class ResponsesJson {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private ResponsesJson() {
    }

    /**
     * The full request: the harness keeps the conversation itself (durable state in PostgreSQL), so every call
     * carries the whole input and asks the provider not to store it. Settings left null are left out: the provider's
     * defaults apply.
     */
    static byte[] request(ModelRequest request, String model) {
        try (ByteArrayBuilder bytes = new ByteArrayBuilder(2048);
             JsonGenerator json = JSON.getFactory().createGenerator(bytes)) {
            json.writeStartObject();
            json.writeStringField("model", model);
            if (request.instructions() != null) {
                json.writeStringField("instructions", request.instructions());
            }
            json.writeArrayFieldStart("input");
            for (ConversationItem item : request.input()) {
                writeItem(json, item);
            }
            json.writeEndArray();
            if (!request.tools().isEmpty()) {
                json.writeArrayFieldStart("tools");
                for (ToolSpec tool : request.tools()) {
                    json.writeStartObject();
                    json.writeStringField("type", "function");
                    json.writeStringField("name", tool.name());
                    if (tool.description() != null) {
                        json.writeStringField("description", tool.description());
                    }
                    json.writeFieldName("parameters");
                    if (tool.parameters() != null) {
                        JSON.writeTree(json, tool.parameters());
                    } else {
                        json.writeStartObject();
                        json.writeEndObject();
                    }
                    json.writeBooleanField("strict", tool.strict());
                    json.writeEndObject();
                }
                json.writeEndArray();
            }
            if (!request.metadata().isEmpty()) {
                json.writeObjectFieldStart("metadata");
                for (Map.Entry<String, String> entry : request.metadata().entrySet()) {
                    json.writeStringField(entry.getKey(), entry.getValue());
                }
                json.writeEndObject();
            }
            ModelSettings settings = request.settings();
            if (settings.temperature() != null) {
                json.writeNumberField("temperature", settings.temperature());
            }
            if (settings.topP() != null) {
                json.writeNumberField("top_p", settings.topP());
            }
            if (settings.maxOutputTokens() != null) {
                json.writeNumberField("max_output_tokens", settings.maxOutputTokens());
            }
            if (settings.parallelToolCalls() != null) {
                json.writeBooleanField("parallel_tool_calls", settings.parallelToolCalls());
            }
            json.writeBooleanField("store", false);
            json.writeEndObject();
            json.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory does not fail", e);
        }
    }

    private static void writeItem(JsonGenerator json, ConversationItem item) throws IOException {
        json.writeStartObject();
        switch (item) {
            case ConversationItem.UserMessage user -> {
                json.writeStringField("type", "message");
                json.writeStringField("role", "user");
                json.writeStringField("content", user.text());
            }
            case ConversationItem.AssistantMessage assistant -> {
                json.writeStringField("type", "message");
                json.writeStringField("role", "assistant");
                json.writeStringField("content", assistant.text());
            }
            case ConversationItem.FunctionCall call -> {
                json.writeStringField("type", "function_call");
                json.writeStringField("call_id", call.callId());
                json.writeStringField("name", call.name());
                json.writeStringField("arguments", call.arguments());
            }
            case ConversationItem.FunctionCallOutput output -> {
                json.writeStringField("type", "function_call_output");
                json.writeStringField("call_id", output.callId());
                json.writeStringField("output", output.output());
            }
        }
        json.writeEndObject();
    }

    /**
     * Keeps assistant messages and function calls, in order; other item kinds (reasoning, built-in tools) are
     * dropped. U+0000 is removed from both: nothing the harness stores can hold it. A body that is not a Responses
     * API response (no {@code id}, no {@code output} array) is refused.
     */
    static ModelResponse response(byte[] body) throws UnreadableResponseException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UnreadableResponseException("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UnreadableResponseException("not JSON: " + e.getMessage());
        }
        if (root == null || !root.path("id").isTextual() || !root.path("output").isArray()) {
            throw new UnreadableResponseException("no 'id' or no 'output' array");
        }
        List<ConversationItem> output = new ArrayList<>();
        for (JsonNode item : root.path("output")) {
            switch (item.path("type").asText()) {
                case "message" -> output.add(new ConversationItem.AssistantMessage(NulCharacters.strip(text(item))));
                case "function_call" -> output.add(new ConversationItem.FunctionCall(
                        required(item, "call_id"), required(item, "name"),
                        NulCharacters.stripJson(required(item, "arguments"))));
                default -> {
                    // reasoning, web_search_call, …: not part of the conversation the harness keeps
                }
            }
        }
        JsonNode usage = root.path("usage");
        return new ModelResponse(root.path("id").asText(), output, usage.path("input_tokens").asLong(0),
                usage.path("output_tokens").asLong(0), textOrNull(root.path("model")), finishReason(root, output),
                usage.path("input_tokens_details").path("cached_tokens").asLong(0),
                usage.path("output_tokens_details").path("reasoning_tokens").asLong(0));
    }

    /**
     * The Responses API has no finish reason: it says {@code status} ({@code completed}, {@code incomplete} with
     * {@code incomplete_details.reason} {@code max_output_tokens} or {@code content_filter}, {@code failed}, …). Mapped
     * to the words of OpenTelemetry's GenAI conventions ({@code gen_ai.response.finish_reasons}): a completed answer
     * that calls tools is {@code tool_call}, otherwise {@code stop}; a status without an equivalent is kept as it is.
     */
    static String finishReason(JsonNode root, List<ConversationItem> output) {
        String status = textOrNull(root.path("status"));
        if (status == null) {
            return null;
        }
        return switch (status) {
            case "completed" -> output.stream().anyMatch(ConversationItem.FunctionCall.class::isInstance)
                    ? "tool_call" : "stop";
            case "incomplete" -> switch (root.path("incomplete_details").path("reason").asText("")) {
                case "max_output_tokens" -> "length";
                case "content_filter" -> "content_filter";
                default -> "incomplete";
            };
            case "failed" -> "error";
            default -> status;
        };
    }

    private static String textOrNull(JsonNode node) {
        return node.isTextual() && !node.asText().isBlank() ? node.asText() : null;
    }

    /** Joins the message's text parts; a refusal is the model's answer too, so it is kept as text. */
    private static String text(JsonNode message) {
        StringBuilder text = new StringBuilder();
        for (JsonNode part : message.path("content")) {
            switch (part.path("type").asText()) {
                case "output_text" -> text.append(part.path("text").asText());
                case "refusal" -> text.append(part.path("refusal").asText());
                default -> {
                }
            }
        }
        return text.toString();
    }

    private static String required(JsonNode item, String field) throws UnreadableResponseException {
        JsonNode value = item.get(field);
        if (value == null || !value.isTextual()) {
            throw new UnreadableResponseException("a '" + item.path("type").asText() + "' item without '" + field + "'");
        }
        return value.asText();
    }

    /** The {@code error.message} (or top-level {@code message}) of an error body, when the provider sent one. */
    static Optional<String> errorMessage(byte[] body) {
        try {
            JsonNode root = JSON.readTree(body);
            JsonNode message = root == null ? null : root.has("error") ? root.path("error").path("message")
                    : root.path("message");
            return message != null && message.isTextual() && !message.asText().isBlank()
                    ? Optional.of(message.asText()) : Optional.empty();
        } catch (IOException notJson) {
            return Optional.empty();
        }
    }

    /** A 2xx answer that is not a Responses API response. */
    static final class UnreadableResponseException extends Exception {
        UnreadableResponseException(String message) {
            super(message);
        }
    }
}
