package dev.agentharness.runtime.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.runtime.model.ConversationItem;
import dev.agentharness.runtime.model.ConversationItem.AssistantMessage;
import dev.agentharness.runtime.model.ConversationItem.FunctionCall;
import dev.agentharness.runtime.model.ModelResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The payload of each journal step kind, built and read in one place. Payloads hold everything replay needs (model
 * output items in full, tool outputs in full); what leaves the harness (events, traces) is redacted from them.
 */
public final class JournalSteps {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private JournalSteps() {
    }

    static RunStep agentStarted(Agent agent, Instant at) {
        ObjectNode payload = JSON.objectNode().put("agent", agent.name());
        ArrayNode tools = payload.putArray("tools");
        agent.tools().forEach(tool -> tools.add(tool.name()));
        ArrayNode handoffs = payload.putArray("handoffs");
        agent.handoffs().forEach(handoffs::add);
        payload.put("started_at", at.toString());
        return new RunStep(StepKind.AGENT_STARTED, payload);
    }

    static RunStep guardrail(String agent, String name, String stage, GuardrailResult result, Instant startedAt,
                             Instant endedAt) {
        return new RunStep(StepKind.GUARDRAIL, JSON.objectNode().put("agent", agent).put("name", name)
                .put("stage", stage).put("triggered", result.tripwire()).put("explanation", result.explanation())
                .put("started_at", startedAt.toString()).put("ended_at", endedAt.toString()));
    }

    /** @param costUsd what the call cost, priced as it was recorded ({@link CallPricing}); summed, never re-priced */
    static RunStep modelResponse(String agent, String model, int turn, ModelResponse response, double costUsd,
                                 Instant startedAt, Instant endedAt) {
        ObjectNode payload = JSON.objectNode().put("agent", agent).put("model", model).put("turn", turn)
                .put("response_id", response.responseId())
                .put("input_tokens", response.inputTokens()).put("output_tokens", response.outputTokens())
                // Read by the trace's spans and the token metrics; journals written before them lack these keys.
                .put("response_model", response.responseModel()).put("finish_reason", response.finishReason())
                .put("cached_input_tokens", response.cachedInputTokens())
                .put("reasoning_tokens", response.reasoningTokens())
                // public.usage takes its row from these keys in the statement that writes the step (RunJournal).
                .put("cost_usd", costUsd);
        ArrayNode output = payload.putArray("output");
        for (ConversationItem item : response.output()) {
            switch (item) {
                case AssistantMessage message -> output.addObject().put("type", "message").put("text", message.text());
                case FunctionCall call -> output.addObject().put("type", "function_call").put("call_id", call.callId())
                        .put("name", call.name()).put("arguments", call.arguments());
                default -> throw new IllegalArgumentException("a model does not output " + item.getClass().getSimpleName());
            }
        }
        payload.put("started_at", startedAt.toString()).put("ended_at", endedAt.toString());
        return new RunStep(StepKind.MODEL_RESPONSE, payload);
    }

    /** The response a {@code model_response} step recorded, as the model returned it. */
    static ModelResponse modelResponse(RunStep step) {
        List<ConversationItem> items = new ArrayList<>();
        for (JsonNode item : step.payload().path("output")) {
            String type = item.path("type").asText();
            if ("message".equals(type)) {
                items.add(new AssistantMessage(item.path("text").asText()));
            } else if ("function_call".equals(type)) {
                items.add(new FunctionCall(item.path("call_id").asText(), item.path("name").asText(),
                        item.path("arguments").asText()));
            } else {
                throw new IllegalStateException("journal step has an output item of unknown type '" + type + "'");
            }
        }
        return new ModelResponse(step.text("response_id"), items, step.payload().path("input_tokens").asLong(),
                step.payload().path("output_tokens").asLong(), step.text("response_model"),
                step.text("finish_reason"), step.payload().path("cached_input_tokens").asLong(0),
                step.payload().path("reasoning_tokens").asLong(0));
    }

    /**
     * What a {@code model_response} step's call cost as it was recorded; empty for journals written before calls were
     * priced (the harness prices those once, at the run's end).
     */
    public static java.util.OptionalDouble recordedCostUsd(RunStep step) {
        JsonNode cost = step.payload().get("cost_usd");
        return cost != null && cost.isNumber() ? java.util.OptionalDouble.of(cost.doubleValue())
                : java.util.OptionalDouble.empty();
    }

    /** @param errorType the failure's class ({@code ModelException.Kind}, lower case): {@code error.type} on its span */
    static RunStep modelFailed(String agent, String model, int turn, String error, String errorType, Instant startedAt,
                               Instant endedAt) {
        return new RunStep(StepKind.MODEL_FAILED, JSON.objectNode().put("agent", agent).put("model", model)
                .put("turn", turn).put("error", error).put("error_type", errorType)
                .put("started_at", startedAt.toString()).put("ended_at", endedAt.toString()));
    }

    static RunStep toolStarted(String agent, String tool, String callId, String arguments, Instant startedAt) {
        return new RunStep(StepKind.TOOL_STARTED, JSON.objectNode().put("agent", agent).put("tool", tool)
                .put("call_id", callId).put("arguments", arguments).put("started_at", startedAt.toString()));
    }

    /** @param bodyRan false when the arguments were refused before the tool's body ran (it acted on nothing) */
    static RunStep toolOutput(String agent, String tool, String callId, String output, String error, boolean bodyRan,
                              Instant startedAt, Instant endedAt) {
        return new RunStep(StepKind.TOOL_OUTPUT, JSON.objectNode().put("agent", agent).put("tool", tool)
                .put("call_id", callId).put("output", output).put("error", error).put("body_ran", bodyRan)
                .put("started_at", startedAt.toString()).put("ended_at", endedAt.toString()));
    }

    /**
     * The call id of the last recorded call whose body ran and that {@code changedWorkspace} says may have changed the
     * run's sandbox: the checkpoint a resumed sandbox run restores. Empty when no such call was recorded.
     */
    public static java.util.Optional<String> lastWorkspaceChange(List<RunStep> steps,
                                                                 java.util.function.Predicate<String> changedWorkspace) {
        for (int i = steps.size() - 1; i >= 0; i--) {
            RunStep step = steps.get(i);
            if (step.kind() == StepKind.TOOL_OUTPUT && step.payload().path("body_ran").asBoolean(true)
                    && changedWorkspace.test(step.text("tool"))) {
                return java.util.Optional.of(step.text("call_id"));
            }
        }
        return java.util.Optional.empty();
    }

    static RunStep handoff(String fromAgent, String toAgent, String callId, Instant at) {
        return new RunStep(StepKind.HANDOFF, JSON.objectNode().put("from_agent", fromAgent).put("to_agent", toAgent)
                .put("call_id", callId).put("at", at.toString()));
    }

    /** The last step of a run that succeeded. */
    public static RunStep succeeded(String reply, int turns, long inputTokens, long outputTokens, Instant at) {
        return new RunStep(StepKind.RUN_SUCCEEDED, JSON.objectNode().put("status", "succeeded").put("reply", reply)
                .put("turns", turns).put("input_tokens", inputTokens).put("output_tokens", outputTokens)
                .put("at", at.toString()));
    }

    /** The last step of a run that ended otherwise; {@code kind} is one of the terminal kinds. */
    public static RunStep ended(StepKind kind, String status, String reason, String message, Instant at) {
        if (!kind.terminal() || kind == StepKind.RUN_SUCCEEDED) {
            throw new IllegalArgumentException(kind + " does not end a run that did not succeed");
        }
        return new RunStep(kind, JSON.objectNode().put("status", status).put("reason", reason).put("message", message)
                .put("at", at.toString()));
    }

    // Readers for the run's transcript (RunTranscripts): what a finished run did, in grading terms.

    /**
     * Every tool call whose start was recorded, in journal order (the order the model made them, across agents), with
     * its output when one was recorded. Arguments are the model's JSON object; arguments that are not one are kept
     * under {@code _raw} so a grader still sees what the model sent.
     */
    public static List<RunTranscript.ToolCall> toolCalls(List<RunStep> steps) {
        Map<String, RunStep> outputs = new LinkedHashMap<>();
        for (RunStep step : steps) {
            if (step.kind() == StepKind.TOOL_OUTPUT && step.text("call_id") != null) {
                outputs.put(step.text("call_id"), step);
            }
        }
        List<RunTranscript.ToolCall> calls = new ArrayList<>();
        for (RunStep step : steps) {
            if (step.kind() != StepKind.TOOL_STARTED) {
                continue;
            }
            RunStep output = outputs.get(step.text("call_id"));
            calls.add(new RunTranscript.ToolCall(step.text("agent"), step.text("call_id"), step.text("tool"),
                    arguments(step.text("arguments")), output == null ? null : output.text("output"),
                    output != null && output.payload().path("body_ran").asBoolean(true)));
        }
        return calls;
    }

    private static Map<String, Object> arguments(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            JsonNode node = ToolJson.MAPPER.readTree(json);
            if (node instanceof ObjectNode) {
                @SuppressWarnings("unchecked")
                Map<String, Object> fields = ToolJson.MAPPER.convertValue(node, LinkedHashMap.class);
                return fields;
            }
        } catch (java.io.IOException | IllegalArgumentException e) {
            // not a JSON object: kept raw below
        }
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("_raw", json);
        return raw;
    }

    /** Every recorded handoff, in order. */
    public static List<RunTranscript.Handoff> handoffs(List<RunStep> steps) {
        return steps.stream().filter(step -> step.kind() == StepKind.HANDOFF)
                .map(step -> new RunTranscript.Handoff(step.text("from_agent"), step.text("to_agent"))).toList();
    }

    /** Every guardrail check recorded, in order. */
    public static List<RunTranscript.GuardrailCheck> guardrails(List<RunStep> steps) {
        return steps.stream().filter(step -> step.kind() == StepKind.GUARDRAIL)
                .map(step -> new RunTranscript.GuardrailCheck(step.text("name"), step.text("stage"),
                        step.payload().path("triggered").asBoolean(false))).toList();
    }

    /** The model responses recorded: the run's turns as its journal tells them. */
    public static int turns(List<RunStep> steps) {
        return (int) steps.stream().filter(step -> step.kind() == StepKind.MODEL_RESPONSE).count();
    }
}
