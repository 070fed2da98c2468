package dev.agentharness.operator.agentrun;

import dev.agentharness.api.RunResponse;
import dev.agentharness.crds.v1alpha1.AgentRunPhase;
import dev.agentharness.crds.v1alpha1.AgentRunReason;
import dev.agentharness.operator.harness.Redaction;

/**
 * What a harness run means for its AgentRun: the phase, the {@code Succeeded} reason and a
 * message. Harness states map one to one ({@code queued → Queued}, …, {@code timed_out →
 * TimedOut}); a failure is {@code MaxTurnsExceeded} when the harness says so, otherwise
 * {@code Failed} with the harness's reason in the message; {@code BudgetExceeded} keeps its name, with what the run
 * spent.
 */
public record RunVerdict(AgentRunPhase phase, AgentRunReason reason, String message) {

    /** The harness's reason for a run that used up max_turns (the Agents SDK's exception name). */
    static final String HARNESS_MAX_TURNS = "MaxTurnsExceeded";
    /** The harness's reason for a run stopped by its budget (max_cost_usd / max_tokens) or its tenant's daily budget. */
    static final String HARNESS_BUDGET_EXCEEDED = "BudgetExceeded";

    public static RunVerdict of(RunResponse run) {
        String id = run.runId();
        return switch (run.status()) {
            case QUEUED -> new RunVerdict(AgentRunPhase.Queued, AgentRunReason.Queued,
                    "queued on the harness as run " + id);
            case RUNNING -> new RunVerdict(AgentRunPhase.Running, AgentRunReason.Running,
                    "the harness is running the agent (run " + id + ")");
            case SUCCEEDED -> new RunVerdict(AgentRunPhase.Succeeded, AgentRunReason.Succeeded,
                    "the agent answered (run " + id + ")" + (run.artifactError() == null ? ""
                            : "; its reply could not be saved as an artifact: " + Redaction.clean(run.artifactError(), null)));
            case FAILED -> HARNESS_MAX_TURNS.equals(run.reason())
                    ? new RunVerdict(AgentRunPhase.Failed, AgentRunReason.MaxTurnsExceeded,
                            "the agent used all its turns (spec.maxTurns) without a final answer (run " + id + ")")
                    : HARNESS_BUDGET_EXCEEDED.equals(run.reason())
                    ? new RunVerdict(AgentRunPhase.Failed, AgentRunReason.BudgetExceeded,
                            "the harness stopped run " + id + " at its budget (spec.budget or the namespace's daily "
                                    + "budget)" + spent(run))
                    : new RunVerdict(AgentRunPhase.Failed, AgentRunReason.Failed,
                            "the harness ended run " + id + " with reason " + Redaction.clean(
                                    run.reason() == null ? "unknown" : run.reason(), null));
            case CANCELLED -> new RunVerdict(AgentRunPhase.Cancelled, AgentRunReason.Cancelled,
                    "run " + id + " was cancelled");
            case TIMED_OUT -> new RunVerdict(AgentRunPhase.TimedOut, AgentRunReason.TimedOut,
                    "run " + id + " exceeded its timeout (spec.timeoutSeconds)");
        };
    }

    private static String spent(RunResponse run) {
        if (run.usage() == null) {
            return "";
        }
        return "; it spent " + java.math.BigDecimal.valueOf(run.usage().costUsd()).stripTrailingZeros().toPlainString()
                + " USD, " + (run.usage().inputTokens() + run.usage().outputTokens()) + " tokens";
    }
}
