package dev.agentharness.runtime.state;

/** The stored run; {@code created=false} when an earlier run with the same idempotency key was returned instead. */
public record SubmitOutcome(RunRecord run, boolean created) {
}
