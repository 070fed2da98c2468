package dev.agentharness.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.core.JsonValue;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseOutputMessage;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Translates between the harness's model types and openai-java's Responses API types. */
final class ResponsesMapping {

    private ResponsesMapping() {
    }

    /**
     * The full request: the harness keeps the conversation itself (durable state in PostgreSQL), so
     * every call carries the whole input and asks the provider not to store it.
     */
    static ResponseCreateParams toParams(ModelRequest request, String model) {
        ResponseCreateParams.Builder params = ResponseCreateParams.builder()
                .model(model)
                .inputOfResponse(request.input().stream().map(ResponsesMapping::toInputItem).toList())
                .store(false);
        if (request.instructions() != null) {
            params.instructions(request.instructions());
        }
        if (!request.tools().isEmpty()) {
            params.tools(request.tools().stream().map(tool -> com.openai.models.responses.Tool.ofFunction(toFunctionTool(tool))).toList());
        }
        if (!request.metadata().isEmpty()) {
            ResponseCreateParams.Metadata.Builder metadata = ResponseCreateParams.Metadata.builder();
            request.metadata().forEach(metadata::putProperty);
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
        return params.build();
    }

    static ResponseInputItem toInputItem(ConversationItem item) {
        return switch (item) {
            case ConversationItem.UserMessage user -> message(EasyInputMessage.Role.USER, user.text());
            case ConversationItem.AssistantMessage assistant -> message(EasyInputMessage.Role.ASSISTANT, assistant.text());
            case ConversationItem.FunctionCall call -> ResponseInputItem.ofFunctionCall(ResponseFunctionToolCall.builder()
                    .callId(call.callId())
                    .name(call.name())
                    .arguments(call.arguments())
                    .build());
            case ConversationItem.FunctionCallOutput output -> ResponseInputItem.ofFunctionCallOutput(
                    ResponseInputItem.FunctionCallOutput.builder()
                            .callId(output.callId())
                            .output(output.output())
                            .build());
        };
    }

    private static ResponseInputItem message(EasyInputMessage.Role role, String text) {
        return ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder().role(role).content(text).build());
    }

    static FunctionTool toFunctionTool(ToolSpec tool) {
        FunctionTool.Parameters.Builder parameters = FunctionTool.Parameters.builder();
        if (tool.parameters() != null) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = tool.parameters().fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                parameters.putAdditionalProperty(field.getKey(), JsonValue.fromJsonNode(field.getValue()));
            }
        }
        FunctionTool.Builder function = FunctionTool.builder()
                .name(tool.name())
                .parameters(parameters.build())
                .strict(tool.strict());
        if (tool.description() != null) {
            function.description(tool.description());
        }
        return function.build();
    }

    /**
     * Keeps assistant messages and function calls, in order; other item kinds (reasoning) are dropped. U+0000 is
     * removed from both: nothing the harness stores can hold it.
     */
    static ModelResponse toModelResponse(Response response) {
        List<ConversationItem> output = new ArrayList<>();
        for (ResponseOutputItem item : response.output()) {
            if (item.isMessage()) {
                output.add(new ConversationItem.AssistantMessage(NulCharacters.strip(text(item.asMessage()))));
            } else if (item.isFunctionCall()) {
                ResponseFunctionToolCall call = item.asFunctionCall();
                output.add(new ConversationItem.FunctionCall(call.callId(), call.name(),
                        NulCharacters.stripJson(call.arguments())));
            }
        }
        long inputTokens = response.usage().map(usage -> usage.inputTokens()).orElse(0L);
        long outputTokens = response.usage().map(usage -> usage.outputTokens()).orElse(0L);
        return new ModelResponse(response.id(), output, inputTokens, outputTokens);
    }

    /** Joins the message's text parts; a refusal is the model's answer too, so it is kept as text. */
    private static String text(ResponseOutputMessage message) {
        StringBuilder text = new StringBuilder();
        for (ResponseOutputMessage.Content part : message.content()) {
            part.outputText().ifPresent(outputText -> text.append(outputText.text()));
            part.refusal().ifPresent(refusal -> text.append(refusal.refusal()));
        }
        return text.toString();
    }
}
