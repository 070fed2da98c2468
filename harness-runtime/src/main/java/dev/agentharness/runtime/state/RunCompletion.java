package dev.agentharness.runtime.state;

import dev.agentharness.api.RunStatus;
import java.util.List;

/**
 * Everything written when a worker finishes a run, in one transaction. {@code traceJson} is the spans array/object;
 * {@code artifactError} says why a requested artifact could not be saved (the run still keeps its reply);
 * {@code steps} are the journal's last steps (ending with the terminal one), written in the same transaction;
 * {@code sampledToPhoenix} whether the run's spans go to Phoenix (null when Phoenix is off);
 * {@code cachedInputTokens} the part of {@code inputTokens} read from the provider's cache. Tokens and
 * {@code costUsd} are the sums of the run's model calls as their journal steps recorded them, never re-priced.
 */
public record RunCompletion(String runId, String workerId, RunStatus status, String reason, String reply,
        long inputTokens, long outputTokens, double costUsd, boolean usedSandbox, String traceJson,
        List<ArtifactRow> artifacts, List<AuditEntry> audit, String artifactError, List<JournalStep> steps,
        Boolean sampledToPhoenix, long cachedInputTokens) {

    /** A completion that says nothing of cached input tokens (0). */
    public RunCompletion(String runId, String workerId, RunStatus status, String reason, String reply,
                         long inputTokens, long outputTokens, double costUsd, boolean usedSandbox, String traceJson,
                         List<ArtifactRow> artifacts, List<AuditEntry> audit, String artifactError,
                         List<JournalStep> steps, Boolean sampledToPhoenix) {
        this(runId, workerId, status, reason, reply, inputTokens, outputTokens, costUsd, usedSandbox, traceJson,
                artifacts, audit, artifactError, steps, sampledToPhoenix, 0);
    }

    /** A completion without a Phoenix decision (Phoenix off, or decided later: {@link #withSampledToPhoenix}). */
    public RunCompletion(String runId, String workerId, RunStatus status, String reason, String reply,
                         long inputTokens, long outputTokens, double costUsd, boolean usedSandbox, String traceJson,
                         List<ArtifactRow> artifacts, List<AuditEntry> audit, String artifactError,
                         List<JournalStep> steps) {
        this(runId, workerId, status, reason, reply, inputTokens, outputTokens, costUsd, usedSandbox, traceJson,
                artifacts, audit, artifactError, steps, null);
    }

    /** A completion that appends no journal steps. */
    public RunCompletion(String runId, String workerId, RunStatus status, String reason, String reply,
                         long inputTokens, long outputTokens, double costUsd, boolean usedSandbox, String traceJson,
                         List<ArtifactRow> artifacts, List<AuditEntry> audit, String artifactError) {
        this(runId, workerId, status, reason, reply, inputTokens, outputTokens, costUsd, usedSandbox, traceJson,
                artifacts, audit, artifactError, List.of());
    }

    /** A completion without an artifact failure. */
    public RunCompletion(String runId, String workerId, RunStatus status, String reason, String reply,
                         long inputTokens, long outputTokens, double costUsd, boolean usedSandbox, String traceJson,
                         List<ArtifactRow> artifacts, List<AuditEntry> audit) {
        this(runId, workerId, status, reason, reply, inputTokens, outputTokens, costUsd, usedSandbox, traceJson,
                artifacts, audit, null);
    }

    public RunCompletion {
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
        audit = audit == null ? List.of() : List.copyOf(audit);
        steps = steps == null ? List.of() : List.copyOf(steps);
    }

    /** The same completion appending {@code last} to the journal with it: the steps not yet written, then the end. */
    public RunCompletion withSteps(List<JournalStep> last) {
        return new RunCompletion(runId, workerId, status, reason, reply, inputTokens, outputTokens, costUsd, usedSandbox,
                traceJson, artifacts, audit, artifactError, last, sampledToPhoenix, cachedInputTokens);
    }

    public RunCompletion withSampledToPhoenix(Boolean sampled) {
        return new RunCompletion(runId, workerId, status, reason, reply, inputTokens, outputTokens, costUsd, usedSandbox,
                traceJson, artifacts, audit, artifactError, steps, sampled, cachedInputTokens);
    }

    public RunCompletion withUsedSandbox(boolean used) {
        return new RunCompletion(runId, workerId, status, reason, reply, inputTokens, outputTokens, costUsd, used,
                traceJson, artifacts, audit, artifactError, steps, sampledToPhoenix, cachedInputTokens);
    }

    /**
     * This completion plus {@code more} artifact rows (a row whose name is already recorded is kept
     * as it was) and {@code moreError} appended to the artifact error.
     */
    public RunCompletion withArtifacts(List<ArtifactRow> more, String moreError) {
        List<ArtifactRow> all = new java.util.ArrayList<>(artifacts);
        for (ArtifactRow row : more) {
            if (all.stream().noneMatch(existing -> existing.name().equals(row.name()))) {
                all.add(row);
            }
        }
        String error = moreError == null ? artifactError : artifactError == null ? moreError : artifactError + "; " + moreError;
        return new RunCompletion(runId, workerId, status, reason, reply, inputTokens, outputTokens, costUsd, usedSandbox,
                traceJson, all, audit, error, steps, sampledToPhoenix, cachedInputTokens);
    }
}
