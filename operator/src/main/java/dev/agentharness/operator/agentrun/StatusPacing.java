package dev.agentharness.operator.agentrun;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunReason;
import dev.agentharness.crds.v1alpha1.AgentRunStatus;
import dev.agentharness.crds.v1alpha1.RunProgress;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How often a running AgentRun's status is written. Every status write is an API write, a watch event to every
 * informer and a new copy to deserialise; at a thousand short runs, writing each step of the way (Queued, then
 * Running, then each turn) cost more than the runs' submission and end together (docs/benchmarks.md, operator).
 * So a change that only says how far a run got — Queued to Running, one more turn — waits until {@code interval}
 * has passed since the AgentRun's last status write, and is often overtaken by the run's end; what a person or a
 * tool acts on is written at once: the submission (a new {@code runId}), the end, an unavailable harness, a move
 * to another replica (its Event must be written with the status that counts it, {@link ReplicaMove}), a cancel
 * request and a new generation of the spec (each also went with an Event, and an unwritten status would repeat it).
 *
 * @param interval least time between two progress-only writes of one AgentRun; zero writes every change at once
 */
record StatusPacing(Duration interval) {

    private static final Set<String> PROGRESS_ONLY = Set.of(AgentRunReason.Queued.name(), AgentRunReason.Running.name());

    /** What the status said before a reconciliation changed it. */
    record Written(String runId, String reason, Integer attempts, Boolean cancelRequested, Long observedGeneration) {

        static Written of(AgentRunStatus status) {
            return new Written(status.getRunId(), StatusPacing.reason(status), StatusPacing.attempts(status.getProgress()),
                    status.getCancelRequested(), status.getObservedGeneration());
        }
    }

    /**
     * How long to hold back writing {@code next} over what was {@code written} at {@code lastWrite}; empty when it is
     * to be written now.
     */
    Optional<Duration> holdBack(Written written, AgentRunStatus next, Instant lastWrite, Instant now) {
        if (interval.isZero() || lastWrite == null || written.runId() == null
                || !written.runId().equals(next.getRunId())
                || !PROGRESS_ONLY.contains(written.reason()) || !PROGRESS_ONLY.contains(reason(next))
                || movedReplica(written.attempts(), attempts(next.getProgress()))
                // Each of these went with an Event (CancelRequested, SpecChangeIgnored): the status must say it was done.
                || !Objects.equals(written.cancelRequested(), next.getCancelRequested())
                || !Objects.equals(written.observedGeneration(), next.getObservedGeneration())) {
            return Optional.empty();
        }
        Duration since = Duration.between(lastWrite, now);
        return since.compareTo(interval) >= 0 ? Optional.empty() : Optional.of(interval.minus(since));
    }

    /** Another claim than the first, as {@link ReplicaMove} counts them. */
    private static boolean movedReplica(Integer written, Integer next) {
        return written != null && next != null && next > Math.max(written, 1);
    }

    private static String reason(AgentRunStatus status) {
        return status.condition(AgentRun.SUCCEEDED).map(c -> c.getReason()).orElse(null);
    }

    private static Integer attempts(RunProgress progress) {
        return progress == null ? null : progress.getAttempts();
    }
}
