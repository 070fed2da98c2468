package dev.agentharness.runtime.agent;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Collects spans in the order they start; a span still open when the run ends is closed then. */
final class TraceRecorder {

    /** A span being recorded; {@link #end} may be called once. */
    final class OpenSpan {
        private final TraceSpan.Kind kind;
        private final String name;
        private final Instant startedAt;
        private final Map<String, Object> attributes = new LinkedHashMap<>();
        private Instant endedAt;
        private String error;

        private OpenSpan(TraceSpan.Kind kind, String name) {
            this.kind = kind;
            this.name = name;
            this.startedAt = clock.instant();
        }

        OpenSpan put(String key, Object value) {
            if (value != null) {
                attributes.put(key, value);
            }
            return this;
        }

        void end() {
            if (endedAt == null) {
                endedAt = clock.instant();
            }
        }

        void fail(String message) {
            error = message;
            end();
        }

        private TraceSpan toSpan(Instant fallbackEnd) {
            return new TraceSpan(kind, name, startedAt, endedAt == null ? fallbackEnd : endedAt, attributes, error);
        }
    }

    private final Clock clock;
    private final List<OpenSpan> spans = new ArrayList<>();

    TraceRecorder(Clock clock) {
        this.clock = clock;
    }

    OpenSpan start(TraceSpan.Kind kind, String name) {
        OpenSpan span = new OpenSpan(kind, name);
        spans.add(span);
        return span;
    }

    List<TraceSpan> spans() {
        Instant now = clock.instant();
        return spans.stream().map(span -> span.toSpan(now)).toList();
    }
}
