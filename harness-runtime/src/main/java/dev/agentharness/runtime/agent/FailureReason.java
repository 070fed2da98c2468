package dev.agentharness.runtime.agent;

/**
 * Why a run failed. Constant names are the exact {@code reason} strings stored on a run and shown to
 * users (they match the Agents SDK's exception names), hence the unusual PascalCase.
 */
public enum FailureReason {
    MaxTurnsExceeded,
    ModelBehaviorError,
    InputGuardrailTripwireTriggered,
    OutputGuardrailTripwireTriggered,
    ModelUnavailable,
    ModelTimeout,
    Cancelled,
    /** A resumed run found a side-effecting tool call that started before its replica died and has no output. */
    UncertainSideEffect,
    /** A resumed run's journal no longer matches its agent (the definition changed between attempts). */
    ReplayDiverged,
    /** The journal refused a step: another replica took the run over; this worker's outcome is discarded. */
    LeaseLost,
    /**
     * Before a model call: the run's {@code max_cost_usd} / {@code max_tokens} was reached or the call was certain to
     * pass it, or its principal's daily budget is spent ({@link RunBudget}).
     */
    BudgetExceeded
}
