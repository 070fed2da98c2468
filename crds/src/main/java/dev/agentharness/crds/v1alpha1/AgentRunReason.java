package dev.agentharness.crds.v1alpha1;

/**
 * Every {@code reason} the {@code Succeeded} condition of an {@link AgentRun} can have, with the
 * condition {@code status} it goes with. The constant names are the exact strings in the
 * resource, hence their PascalCase.
 */
public enum AgentRunReason {
    /** Accepted by the operator, not yet submitted (for example waiting for its SandboxManifest). */
    Pending(ConditionStatus.UNKNOWN),
    /**
     * The agent named in {@code spec.agent} cannot serve the run yet: its Agent has no active version (still being
     * evaluated, or its candidate failed), or there is no such Agent in the namespace and the harness knows no agent of
     * that name. The message says what it waits for; past {@code HARNESS_AGENT_WAIT} it ends {@code ValidationFailed}.
     */
    AgentNotReady(ConditionStatus.UNKNOWN),
    /** Submitted; the harness has not started it yet. */
    Queued(ConditionStatus.UNKNOWN),
    /** The harness is running the agent. */
    Running(ConditionStatus.UNKNOWN),
    /** The harness cannot be reached (or refuses the operator's token); the operator retries with backoff. */
    HarnessUnavailable(ConditionStatus.UNKNOWN),
    /**
     * The namespace is at one of its harness limits (requests per minute, queued or in-flight runs, daily budget; the
     * message names it): the operator waits for the harness's Retry-After and submits again with the same key.
     */
    Throttled(ConditionStatus.UNKNOWN),
    /** The namespace is suspended on the harness (an administrator's kill switch); the operator waits, nothing fails. */
    Suspended(ConditionStatus.UNKNOWN),
    Succeeded(ConditionStatus.TRUE),
    /** The harness ended the run with an error; the message carries the harness's reason. */
    Failed(ConditionStatus.FALSE),
    /** {@code spec.cancel} was set, or the run was cancelled on the harness. */
    Cancelled(ConditionStatus.FALSE),
    /** The run exceeded {@code spec.timeoutSeconds}. */
    TimedOut(ConditionStatus.FALSE),
    /** The spec, or the SandboxManifest it references, is not valid; the message names the field. Nothing ran. */
    ValidationFailed(ConditionStatus.FALSE),
    /** The agent used up {@code spec.maxTurns} without a final answer. */
    MaxTurnsExceeded(ConditionStatus.FALSE),
    /** The run reached its {@code spec.budget} (or the namespace's daily budget) and was stopped by the harness. */
    BudgetExceeded(ConditionStatus.FALSE);

    private final String conditionStatus;

    AgentRunReason(String conditionStatus) {
        this.conditionStatus = conditionStatus;
    }

    /** {@code True}, {@code False} or {@code Unknown}. */
    public String conditionStatus() {
        return conditionStatus;
    }

    /** True once the run has ended, whichever way: nothing about it changes any more. */
    public boolean finished() {
        return !ConditionStatus.UNKNOWN.equals(conditionStatus);
    }
}
