package dev.agentharness.runtime.sandbox;

import java.util.Optional;

/**
 * What the {@link SandboxReaper} needs to know of a run: whether it still exists and whether it is over. The
 * sandbox knows no database; {@code runs} answers from the run store.
 */
public interface RunLiveness {

    /** The run's status as the API names it, and whether it is terminal; empty when there is no such run. */
    Optional<RunState> of(String runId);

    record RunState(String status, boolean terminal) {
    }
}
