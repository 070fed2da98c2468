package dev.agentharness.runtime.agent;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's trace, built from its journal: the journal is the one record of what happened, the trace one view of it.
 * Spans come in the order they started, shaped after the Agents SDK's span types: an {@code agent} span per agent
 * segment, {@code generation} per model call, {@code function} per tool call, {@code handoff}, {@code guardrail}; a
 * run that did not succeed ends with an {@code agent} span {@code run.<status>} carrying the reason.
 */
public final class JournalTrace {

    private JournalTrace() {
    }

    /**
     * @param includeSensitive whether function spans carry tool arguments and outputs
     * @param end              when spans still open at the end of the journal are closed (the run's end, or now)
     */
    public static List<TraceSpan> spans(List<RunStep> steps, boolean includeSensitive, Instant end) {
        return new Builder(includeSensitive, end).build(steps, null);
    }

    /** The trace of a run the loop is failing with {@code error}, before its terminal step exists: the agent in charge
     *  carries the error. */
    static List<TraceSpan> failing(List<RunStep> steps, boolean includeSensitive, Instant end, String error) {
        return new Builder(includeSensitive, end).build(steps, error);
    }

    private static final class Builder {
        private final boolean includeSensitive;
        private final Instant end;
        private final List<SpanDraft> spans = new ArrayList<>();
        private final Map<String, SpanDraft> openCalls = new HashMap<>();
        private SpanDraft agent;

        Builder(boolean includeSensitive, Instant end) {
            this.includeSensitive = includeSensitive;
            this.end = end;
        }

        List<TraceSpan> build(List<RunStep> steps, String error) {
            for (RunStep step : steps) {
                add(step);
            }
            if (error != null && agent != null && agent.endedAt == null) {
                agent.endAt(end);
                agent.error = error;
            }
            return spans.stream().map(draft -> draft.toSpan(end)).toList();
        }

        private void add(RunStep step) {
            switch (step.kind()) {
                case AGENT_STARTED -> {
                    Instant at = time(step, "started_at");
                    if (agent != null) {
                        agent.endedAt = at;
                    }
                    agent = open(TraceSpan.Kind.AGENT, step.text("agent"), at)
                            .put("tools", value(step.payload().get("tools")))
                            .put("handoffs", value(step.payload().get("handoffs")));
                }
                case GUARDRAIL -> open(TraceSpan.Kind.GUARDRAIL, step.text("name"), time(step, "started_at"))
                        .put("agent", step.text("agent")).put("stage", step.text("stage"))
                        .put("triggered", step.payload().path("triggered").asBoolean())
                        .endAt(time(step, "ended_at"));
                case MODEL_RESPONSE -> open(TraceSpan.Kind.GENERATION, step.text("model"), time(step, "started_at"))
                        .put("agent", step.text("agent")).put("model", step.text("model"))
                        .put("turn", step.payload().path("turn").asInt())
                        .put("response_id", step.text("response_id"))
                        .put("input_tokens", step.payload().path("input_tokens").asLong())
                        .put("output_tokens", step.payload().path("output_tokens").asLong())
                        // Present only on journals written since the model's answer details are recorded.
                        .put("response_model", step.text("response_model"))
                        .put("finish_reason", step.text("finish_reason"))
                        .put("cached_input_tokens", count(step, "cached_input_tokens"))
                        .put("reasoning_tokens", count(step, "reasoning_tokens"))
                        .endAt(time(step, "ended_at"));
                case MODEL_FAILED -> {
                    SpanDraft failed = open(TraceSpan.Kind.GENERATION, step.text("model"), time(step, "started_at"))
                            .put("agent", step.text("agent")).put("model", step.text("model"))
                            .put("turn", step.payload().path("turn").asInt())
                            .put("error_type", step.text("error_type"))
                            .endAt(time(step, "ended_at"));
                    failed.error = step.text("error");
                }
                case TOOL_STARTED -> {
                    SpanDraft call = open(TraceSpan.Kind.FUNCTION, step.text("tool"), time(step, "started_at"))
                            .put("agent", step.text("agent")).put("call_id", step.text("call_id"));
                    if (includeSensitive) {
                        call.put("input", step.text("arguments"));
                    }
                    openCalls.put(step.text("call_id"), call);
                }
                case TOOL_OUTPUT -> {
                    SpanDraft call = openCalls.remove(step.text("call_id"));
                    if (call == null) {
                        call = open(TraceSpan.Kind.FUNCTION, step.text("tool"), time(step, "started_at"))
                                .put("agent", step.text("agent")).put("call_id", step.text("call_id"));
                    }
                    call.endAt(time(step, "ended_at"));
                    call.error = step.text("error");
                    if (includeSensitive) {
                        call.put("output", step.text("output"));
                    }
                }
                case HANDOFF -> open(TraceSpan.Kind.HANDOFF, Handoffs.toolName(step.text("to_agent")), time(step, "at"))
                        .put("from_agent", step.text("from_agent")).put("to_agent", step.text("to_agent"))
                        .endAt(time(step, "at"));
                case RUN_SUCCEEDED -> {
                    if (agent != null) {
                        agent.endAt(time(step, "at"));
                    }
                }
                case RUN_FAILED, RUN_TIMED_OUT, RUN_CANCELLED -> {
                    Instant at = time(step, "at");
                    String message = step.text("message");
                    if (agent != null && agent.endedAt == null) {
                        agent.endAt(at);
                        agent.error = message;
                    }
                    openCalls.values().forEach(call -> {
                        call.endAt(at);
                        call.error = "interrupted: the run ended before the call returned";
                    });
                    openCalls.clear();
                    SpanDraft ended = open(TraceSpan.Kind.AGENT, "run." + step.text("status"), at)
                            .put("reason", step.text("reason")).endAt(at);
                    ended.error = message;
                }
            }
        }

        private SpanDraft open(TraceSpan.Kind kind, String name, Instant startedAt) {
            SpanDraft draft = new SpanDraft(kind, name, startedAt == null ? end : startedAt);
            spans.add(draft);
            return draft;
        }

        private static Instant time(RunStep step, String field) {
            String text = step.text(field);
            return text == null ? null : Instant.parse(text);
        }

        private static Long count(RunStep step, String field) {
            JsonNode node = step.payload().get(field);
            return node == null || !node.isNumber() ? null : node.asLong();
        }

        private static Object value(JsonNode node) {
            return node == null || node.isNull() ? null : ToolJson.MAPPER.convertValue(node, Object.class);
        }
    }

    private static final class SpanDraft {
        private final TraceSpan.Kind kind;
        private final String name;
        private final Instant startedAt;
        private final Map<String, Object> attributes = new LinkedHashMap<>();
        private Instant endedAt;
        private String error;

        SpanDraft(TraceSpan.Kind kind, String name, Instant startedAt) {
            this.kind = kind;
            this.name = name;
            this.startedAt = startedAt;
        }

        SpanDraft put(String key, Object value) {
            if (value != null) {
                attributes.put(key, value);
            }
            return this;
        }

        SpanDraft endAt(Instant at) {
            if (endedAt == null) {
                endedAt = at;
            }
            return this;
        }

        TraceSpan toSpan(Instant fallbackEnd) {
            return new TraceSpan(kind, name, startedAt, endedAt == null ? fallbackEnd : endedAt, attributes, error);
        }
    }
}
