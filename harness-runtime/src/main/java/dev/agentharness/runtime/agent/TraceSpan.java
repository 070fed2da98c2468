package dev.agentharness.runtime.agent;

import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * One step of a run, shaped after the Agents SDK's span types, persisted as JSON in
 * {@code public.traces}.
 *
 * @param error null when the step succeeded
 */
public record TraceSpan(Kind kind, String name, Instant startedAt, Instant endedAt, Map<String, Object> attributes,
                        String error) {

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
}
