package dev.agentharness.runtime.state;

import java.time.OffsetDateTime;
import java.util.Objects;

/**
 * One row of {@code public.run_steps}.
 *
 * @param seq         1, 2, 3… per run, without gaps
 * @param kind        what happened ({@code model_response}, {@code tool_started}, …; the agent package names them)
 * @param payloadJson the step as a JSON object, exactly as stored
 * @param createdAt   when it was written (null before it is)
 */
public record JournalStep(int seq, String kind, String payloadJson, OffsetDateTime createdAt) {

    public JournalStep {
        if (seq < 1) {
            throw new IllegalArgumentException("journal sequence numbers start at 1, was " + seq);
        }
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(payloadJson, "payloadJson");
    }

    /** A step to write. */
    public static JournalStep of(int seq, String kind, String payloadJson) {
        return new JournalStep(seq, kind, payloadJson, null);
    }
}
