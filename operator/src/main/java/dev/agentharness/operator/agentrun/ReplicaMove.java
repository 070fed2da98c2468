package dev.agentharness.operator.agentrun;

import dev.agentharness.api.RunProgress;

import java.util.Optional;

/**
 * A harness run that another replica claimed since the status the operator last wrote: its worker died and the lease
 * sweep queued it again ({@code recoveries} grew), or a draining replica released it; either way the next claim raised
 * {@code attempts}. Derived only from the written status and the new view, so a repeated view (or a restarted
 * operator) finds no second move: the status written with the Event already carries the new attempt count.
 *
 * <p>The move is counted at the claim, not when {@code recoveries} grows: between the two the run is only queued again
 * (nothing resumed yet), and counting both would report one move twice. A first claim ({@code attempts} 0 → 1) is no
 * move; a status without progress (written before the harness reported it) is no baseline.
 *
 * @param afterStep journal steps the operator had seen before the move (the resumed replica continues after them, or
 *                  after later ones the operator had not seen yet)
 */
record ReplicaMove(String runId, int attempt, int recoveries, int afterStep, String lastStep) {

    static Optional<ReplicaMove> between(dev.agentharness.crds.v1alpha1.RunProgress written, RunProgress seen,
                                         String runId) {
        if (written == null || written.getAttempts() == null || seen == null) {
            return Optional.empty();
        }
        int claimsSeen = Math.max(written.getAttempts(), 1);
        if (seen.attempts() <= claimsSeen) {
            return Optional.empty();
        }
        int steps = written.getSteps() == null ? 0 : written.getSteps();
        return Optional.of(new ReplicaMove(runId, seen.attempts(), seen.recoveries(), steps, written.getLastStep()));
    }

    /**
     * E.g. "run run_1 resumed on another replica (attempt 2, recovery 1) after step 7 (tool_output)": the run's claims
     * and recoveries so far. Which of several moves was a recovery the counts cannot tell (the operator may not have
     * seen the queued interlude); without any recovery, every move was a release by a draining replica.
     */
    String message() {
        String why = recoveries > 0 ? "recovery " + recoveries : "released by a replica shutting down";
        String where = afterStep == 0 || lastStep == null ? "before its first step"
                : "after step " + afterStep + " (" + lastStep + ")";
        return "run " + runId + " resumed on another replica (attempt " + attempt + ", " + why + ") " + where;
    }
}
