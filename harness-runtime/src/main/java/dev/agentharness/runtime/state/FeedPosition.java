package dev.agentharness.runtime.state;

import java.time.OffsetDateTime;
import java.util.Objects;

/**
 * A position in the bulk run feed: after the run {@code runId} changed at {@code updatedAt}, in
 * {@code (updated_at, id)} order. An empty {@code runId} sorts before every run id, so
 * {@link #startingAt} includes every run changed at that instant.
 */
public record FeedPosition(OffsetDateTime updatedAt, String runId) {

    public FeedPosition {
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(runId, "runId");
    }

    /** Every change at or after {@code instant}. */
    public static FeedPosition startingAt(OffsetDateTime instant) {
        return new FeedPosition(instant, "");
    }

    /** Everything after {@code run}'s change. */
    public static FeedPosition after(RunRecord run) {
        return new FeedPosition(run.updatedAt(), run.runId());
    }
}
