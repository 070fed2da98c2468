package dev.agentharness.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * What a run did, in the terms an evaluation asks about: {@code GET /runs/{id}/transcript} (the run's owner only).
 * Built from the run's journal, the run's single record — never a second record. Unlike the trace and the event
 * stream, it carries tool arguments and outputs: it is the owner's own conversation, read to grade it.
 *
 * @param input     the user message the run answered
 * @param toolCalls every tool call in the order the model made it, across agents
 * @param handoffs  every handoff, in order; the last {@code to} is the agent that answered
 * @param latencyMs from the run's start to its end; {@code null} while it has not both
 * @param agentVersion the version of the agent the run started with ({@code sha256:…}); {@code null} for runs stored
 *                  before agents had versions
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record RunTranscript(
        @JsonProperty("run_id") String runId,
        @JsonProperty("session_id") String sessionId,
        @JsonProperty("agent") String agent,
        @JsonProperty("model") String model,
        @JsonProperty("status") RunStatus status,
        @JsonProperty("reason") String reason,
        @JsonProperty("input") String input,
        @JsonProperty("reply") String reply,
        @JsonProperty("tool_calls") List<ToolCall> toolCalls,
        @JsonProperty("handoffs") List<Handoff> handoffs,
        @JsonProperty("guardrails") List<GuardrailCheck> guardrails,
        @JsonProperty("turns") int turns,
        @JsonProperty("usage") Usage usage,
        @JsonProperty("latency_ms") Long latencyMs,
        @JsonProperty("trace_id") String traceId,
        @JsonProperty("created_at") OffsetDateTime createdAt,
        @JsonProperty("completed_at") OffsetDateTime completedAt,
        @JsonProperty("agent_version") String agentVersion) {

    public RunTranscript {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        handoffs = handoffs == null ? List.of() : List.copyOf(handoffs);
        guardrails = guardrails == null ? List.of() : List.copyOf(guardrails);
    }

    /** A transcript without the agent's version (runs stored before versions, tests). */
    public RunTranscript(String runId, String sessionId, String agent, String model, RunStatus status, String reason,
                         String input, String reply, List<ToolCall> toolCalls, List<Handoff> handoffs,
                         List<GuardrailCheck> guardrails, int turns, Usage usage, Long latencyMs, String traceId,
                         OffsetDateTime createdAt, OffsetDateTime completedAt) {
        this(runId, sessionId, agent, model, status, reason, input, reply, toolCalls, handoffs, guardrails, turns,
                usage, latencyMs, traceId, createdAt, completedAt, null);
    }

    /**
     * One tool call. {@code ran} is false when the harness refused its arguments (the body never ran);
     * {@code output} is what the model was given back ({@code null} when the call never finished).
     */
    public record ToolCall(
            @JsonProperty("agent") String agent,
            @JsonProperty("call_id") String callId,
            @JsonProperty("name") String name,
            @JsonProperty("arguments") Map<String, Object> arguments,
            @JsonProperty("output") String output,
            @JsonProperty("ran") boolean ran) {
    }

    public record Handoff(
            @JsonProperty("from") String from,
            @JsonProperty("to") String to) {
    }

    /** A guardrail that was checked: {@code stage} is {@code input} or {@code output}. */
    public record GuardrailCheck(
            @JsonProperty("name") String name,
            @JsonProperty("stage") String stage,
            @JsonProperty("tripped") boolean tripped) {
    }

    /** The agent that gave the final answer: the last handoff's target, else the run's agent. */
    public String answeringAgent() {
        return handoffs.isEmpty() ? agent : handoffs.get(handoffs.size() - 1).to();
    }
}
