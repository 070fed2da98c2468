package dev.agentharness.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.core.JsonValue;
import com.openai.core.ObjectMappers;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.Tool;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.fakes.model.ResponseEnvelope;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The Responses API JSON the harness writes and reads by hand is the official SDK's (openai-java, test scope): the
 * same request serialises to the same JSON as the SDK's params, and the SDK and we read the same answers alike.
 */
class ResponsesJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode schema() throws Exception {
        return (ObjectNode) JSON.readTree("""
                {"type":"object","additionalProperties":false,"required":["account_id"],
                 "properties":{"account_id":{"type":"string","description":"e.g. ACME-1001"}}}""");
    }

    @Test
    void a_request_is_the_json_the_official_sdk_sends_for_it() throws Exception {
        ModelRequest request = new ModelRequest("gpt-test", "You are Maya.", List.of(
                new ConversationItem.UserMessage("my card was charged twice"),
                new ConversationItem.AssistantMessage("Let me look."),
                new ConversationItem.FunctionCall("call_1", "lookup_account", "{\"account_id\":\"ACME-1\"}"),
                new ConversationItem.FunctionCallOutput("call_1", "{\"plan\":\"pro\"}")),
                List.of(new ToolSpec("lookup_account", "Find an account.", schema(), true),
                        new ToolSpec("no_description", null, schema(), false)),
                new ModelSettings(0.2, 0.9, 500, false), Map.of("run_id", "run-1", "agent", "maya"));

        JsonNode ours = JSON.readTree(ResponsesJson.request(request, "gpt-test"));

        assertEquals(sdkBody(request), ours);
    }

    @Test
    void settings_left_null_and_an_empty_tool_list_are_left_out_as_the_sdk_leaves_them() throws Exception {
        ModelRequest request = new ModelRequest("m", null, List.of(new ConversationItem.UserMessage("hi")), List.of(),
                null, Map.of());

        assertEquals(sdkBody(request), JSON.readTree(ResponsesJson.request(request, "m")));
    }

    @Test
    void an_answer_is_read_as_the_sdk_reads_it_reasoning_dropped_refusals_kept_as_text() throws Exception {
        ObjectNode reasoning = JSON.createObjectNode().put("type", "reasoning").put("id", "rs_1");
        reasoning.putArray("summary");
        ObjectNode refusal = Reply.WireItems.message("x");
        ((ObjectNode) refusal.path("content").get(0)).removeAll().put("type", "refusal").put("refusal", "I can't.");
        ObjectNode answer = ResponseEnvelope.completed(JSON.readTree("{\"model\":\"m\",\"input\":\"hi\"}"),
                List.of(reasoning, Reply.WireItems.message("Hello"), Reply.WireItems.functionCall("call_9", "draft_reply", "{\"a\":1}"),
                        refusal), Instant.parse("2026-12-03T10:00:00Z"));
        byte[] body = JSON.writeValueAsBytes(answer);

        ModelResponse ours = ResponsesJson.response(body);
        Response sdk = ObjectMappers.jsonMapper().readValue(body, Response.class);

        assertEquals(sdk.id(), ours.responseId());
        assertEquals(List.of(new ConversationItem.AssistantMessage("Hello"),
                new ConversationItem.FunctionCall("call_9", "draft_reply", "{\"a\":1}"),
                new ConversationItem.AssistantMessage("I can't.")), ours.output());
        assertEquals(sdk.usage().orElseThrow().inputTokens(), ours.inputTokens());
        assertEquals(sdk.usage().orElseThrow().outputTokens(), ours.outputTokens());
        assertEquals(sdk.model().asString(), ours.responseModel());
        assertEquals("tool_call", ours.finishReason(), "completed with a function call");
    }

    @Test
    void the_answers_model_finish_reason_and_cached_and_reasoning_tokens_are_read_as_the_sdk_reads_them()
            throws Exception {
        ObjectNode answer = ResponseEnvelope.completed(JSON.readTree("{\"model\":\"gpt-5.4-mini\",\"input\":\"hi\"}"),
                List.of(Reply.WireItems.message("Hel")), Instant.parse("2026-12-03T10:00:00Z"));
        answer.put("model", "gpt-5.4-mini-2026-03-01").put("status", "incomplete");
        answer.putObject("incomplete_details").put("reason", "max_output_tokens");
        ObjectNode usage = (ObjectNode) answer.get("usage");
        ((ObjectNode) usage.get("input_tokens_details")).put("cached_tokens", 1024);
        ((ObjectNode) usage.get("output_tokens_details")).put("reasoning_tokens", 77);
        byte[] body = JSON.writeValueAsBytes(answer);

        ModelResponse ours = ResponsesJson.response(body);
        Response sdk = ObjectMappers.jsonMapper().readValue(body, Response.class);

        assertEquals(sdk.model().asString(), ours.responseModel());
        assertEquals(sdk.usage().orElseThrow().inputTokensDetails().cachedTokens(), ours.cachedInputTokens());
        assertEquals(sdk.usage().orElseThrow().outputTokensDetails().reasoningTokens(), ours.reasoningTokens());
        assertEquals("length", ours.finishReason(), "incomplete for max_output_tokens");

        answer.put("status", "completed").putNull("incomplete_details");
        assertEquals("stop", ResponsesJson.response(JSON.writeValueAsBytes(answer)).finishReason());
        answer.put("status", "incomplete").putObject("incomplete_details").put("reason", "content_filter");
        assertEquals("content_filter", ResponsesJson.response(JSON.writeValueAsBytes(answer)).finishReason());
        answer.remove("status");
        assertEquals(null, ResponsesJson.response(JSON.writeValueAsBytes(answer)).finishReason());
    }

    @Test
    void a_body_that_is_no_response_is_refused_with_what_is_missing() {
        var notJson = assertThrows(ResponsesJson.UnreadableResponseException.class,
                () -> ResponsesJson.response("<html>".getBytes(StandardCharsets.UTF_8)));
        var noOutput = assertThrows(ResponsesJson.UnreadableResponseException.class,
                () -> ResponsesJson.response("{\"id\":\"resp_1\"}".getBytes(StandardCharsets.UTF_8)));
        var callWithoutId = assertThrows(ResponsesJson.UnreadableResponseException.class,
                () -> ResponsesJson.response(("{\"id\":\"r\",\"output\":[{\"type\":\"function_call\",\"name\":\"t\","
                        + "\"arguments\":\"{}\"}]}").getBytes(StandardCharsets.UTF_8)));

        assertEquals(true, notJson.getMessage().startsWith("not JSON"), notJson.getMessage());
        assertEquals("no 'id' or no 'output' array", noOutput.getMessage());
        assertEquals("a 'function_call' item without 'call_id'", callWithoutId.getMessage());
    }

    @Test
    void an_error_body_gives_its_message_wherever_the_provider_put_it() {
        assertEquals("Rate limit reached", ResponsesJson.errorMessage("{\"error\":{\"message\":\"Rate limit reached\"}}"
                .getBytes(StandardCharsets.UTF_8)).orElseThrow());
        assertEquals("bad", ResponsesJson.errorMessage("{\"message\":\"bad\"}".getBytes(StandardCharsets.UTF_8))
                .orElseThrow());
        assertEquals(true, ResponsesJson.errorMessage("Bad Gateway".getBytes(StandardCharsets.UTF_8)).isEmpty());
    }

    /** The body openai-java 4.x sends for the request, built the way the harness built it with the SDK. */
    private static JsonNode sdkBody(ModelRequest request) throws Exception {
        ResponseCreateParams.Builder params = ResponseCreateParams.builder()
                .model(request.model())
                .inputOfResponse(request.input().stream().map(ResponsesJsonTest::sdkItem).toList())
                .store(false);
        if (request.instructions() != null) {
            params.instructions(request.instructions());
        }
        if (!request.tools().isEmpty()) {
            params.tools(request.tools().stream().map(tool -> {
                FunctionTool.Parameters.Builder parameters = FunctionTool.Parameters.builder();
                tool.parameters().properties().forEach(field ->
                        parameters.putAdditionalProperty(field.getKey(), JsonValue.fromJsonNode(field.getValue())));
                FunctionTool.Builder function = FunctionTool.builder().name(tool.name())
                        .parameters(parameters.build()).strict(tool.strict());
                if (tool.description() != null) {
                    function.description(tool.description());
                }
                return Tool.ofFunction(function.build());
            }).toList());
        }
        if (!request.metadata().isEmpty()) {
            ResponseCreateParams.Metadata.Builder metadata = ResponseCreateParams.Metadata.builder();
            request.metadata().forEach((key, value) -> metadata.putAdditionalProperty(key, JsonValue.from(value)));
            params.metadata(metadata.build());
        }
        ModelSettings settings = request.settings();
        if (settings.temperature() != null) {
            params.temperature(settings.temperature());
        }
        if (settings.topP() != null) {
            params.topP(settings.topP());
        }
        if (settings.maxOutputTokens() != null) {
            params.maxOutputTokens(settings.maxOutputTokens().longValue());
        }
        if (settings.parallelToolCalls() != null) {
            params.parallelToolCalls(settings.parallelToolCalls());
        }
        return JSON.readTree(ObjectMappers.jsonMapper().writeValueAsString(params.build()._body()));
    }

    private static ResponseInputItem sdkItem(ConversationItem item) {
        return switch (item) {
            case ConversationItem.UserMessage user -> ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                    .role(EasyInputMessage.Role.USER).content(user.text()).build());
            case ConversationItem.AssistantMessage assistant -> ResponseInputItem.ofEasyInputMessage(
                    EasyInputMessage.builder().role(EasyInputMessage.Role.ASSISTANT).content(assistant.text()).build());
            case ConversationItem.FunctionCall call -> ResponseInputItem.ofFunctionCall(ResponseFunctionToolCall.builder()
                    .callId(call.callId()).name(call.name()).arguments(call.arguments()).build());
            case ConversationItem.FunctionCallOutput output -> ResponseInputItem.ofFunctionCallOutput(
                    ResponseInputItem.FunctionCallOutput.builder().callId(output.callId()).output(output.output())
                            .build());
        };
    }
}
