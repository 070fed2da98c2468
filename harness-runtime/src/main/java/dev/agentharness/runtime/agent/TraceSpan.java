package dev.agentharness.runtime.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * One step of a run, shaped after the Agents SDK's span types, persisted as JSON in
 * {@code public.traces}.
 *
 * @param error        null when the step succeeded
 * @param spanId       the id of the OpenTelemetry span exported for this step (16 hex digits), so the stored trace and
 *                     the one in a tracing backend name the same spans; null until the run's span tree is made
 * @param parentSpanId the id of its parent span: the agent segment's span, or the run's root span for an agent span
 */
public record TraceSpan(Kind kind, String name, Instant startedAt, Instant endedAt, Map<String, Object> attributes,
                        String error,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String spanId,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String parentSpanId) {

    public enum Kind {
        AGENT, GENERATION, FUNCTION, HANDOFF, GUARDRAIL;

        /** Lower-case on the wire, like the SDK's {@code span_data.type}. */
        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public TraceSpan {
        attributes = Map.copyOf(attributes);
    }

    /** A step whose span was not made (yet). */
    public TraceSpan(Kind kind, String name, Instant startedAt, Instant endedAt, Map<String, Object> attributes,
                     String error) {
        this(kind, name, startedAt, endedAt, attributes, error, null, null);
    }

    public TraceSpan withSpanIds(String spanId, String parentSpanId) {
        return new TraceSpan(kind, name, startedAt, endedAt, attributes, error, spanId, parentSpanId);
    }
}
