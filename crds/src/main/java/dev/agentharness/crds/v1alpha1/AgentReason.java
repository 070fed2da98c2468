package dev.agentharness.crds.v1alpha1;

/** Why an Agent's {@code Ready} condition is what it is. */
public enum AgentReason {
    /** The spec is valid and registered; not active yet (no evaluation pending, activation next). */
    Valid,
    /** The spec is wrong: the message names the field. The previous active version (if any) keeps serving. */
    Invalid,
    /** The candidate version's golden set is running on the harness. */
    Evaluating,
    /** The candidate failed its golden set (the message names the failing cases); the previous version serves. */
    EvaluationFailed,
    /** The spec's version serves runs. */
    Active,
    /**
     * {@code Ready=Unknown}: the harness could not be asked (unreachable, 5xx, refused the operator's token); the
     * operator retries with backoff and the previous active version (if any) keeps serving.
     */
    HarnessUnavailable
}
