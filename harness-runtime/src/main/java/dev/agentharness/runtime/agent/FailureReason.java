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
    Cancelled
}
