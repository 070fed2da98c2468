package dev.agentharness.runtime.state;

import java.util.OptionalInt;

/**
 * What one principal may have waiting and running when it submits another run; an empty bound is no bound.
 *
 * @param maxQueued   runs of the principal in {@code queued}; 0 means "no waiting": a run is accepted only if it can
 *                    start at once ({@code maxInFlight} not reached)
 * @param maxInFlight runs of the principal executing at once across all replicas
 */
public record SubmissionQuota(OptionalInt maxQueued, OptionalInt maxInFlight) {

    public static final SubmissionQuota UNBOUNDED = new SubmissionQuota(OptionalInt.empty(), OptionalInt.empty());

    /** Whether a submission needs counting at all; in-flight alone never refuses a submission (runs wait). */
    public boolean bounded() {
        return maxQueued.isPresent();
    }

    /**
     * The limit a new run would break given the principal's {@code queued} and {@code running} runs, or null.
     */
    QuotaExceededException check(long queued, long running) {
        if (maxQueued.isEmpty()) {
            return null;
        }
        int maxWaiting = maxQueued.getAsInt();
        if (maxWaiting == 0) {
            // No waiting: accepted only while a slot is free for it (queued runs are about to take theirs).
            if (maxInFlight.isPresent() && running + queued >= maxInFlight.getAsInt()) {
                return new QuotaExceededException("max_in_flight", running + queued, maxInFlight.getAsInt());
            }
            return null;
        }
        if (queued >= maxWaiting) {
            return new QuotaExceededException("max_queued", queued, maxWaiting);
        }
        return null;
    }
}
