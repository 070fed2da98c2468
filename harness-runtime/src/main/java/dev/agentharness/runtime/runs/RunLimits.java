package dev.agentharness.runtime.runs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.List;
import java.util.Optional;

/** Bounds on what a caller may ask of one run, and how the local worker behaves. */
@ConfigMapping(prefix = "harness.runs")
public interface RunLimits {

    /** Largest accepted {@code message}, in UTF-8 bytes. */
    @WithDefault("65536")
    int maxMessageBytes();

    @WithDefault("10")
    int defaultMaxTurns();

    /** Largest accepted {@code max_turns}: a run of more turns is almost surely a runaway loop. */
    @WithDefault("100")
    int maxTurnsLimit();

    @WithDefault("3600")
    int maxTimeoutSeconds();

    /** How long a synchronous {@code POST /runs} waits before answering 202 with a Location instead. */
    @WithDefault("300")
    int syncWaitSeconds();

    /**
     * A worker that stops renewing its lease for this long loses its runs: another replica resumes them from their
     * journal at once (the lease epoch fences the old worker out).
     */
    @WithDefault("30")
    int leaseSeconds();

    /**
     * How long past its expiry a lease is still left alone before its run is failed for good (recoveries used up, or
     * {@link #maxRecoveries()} 0): a stalled peer (GC pause, CPU starvation, a slow connection) that resumes within it
     * keeps its run. Resuming needs no grace: the stalled peer can no longer write.
     */
    @WithDefault("30")
    int leaseGraceSeconds();

    /**
     * How many times a run is resumed after its worker died ({@code HARNESS_RUNS_MAX_RECOVERIES}); once more ends it
     * {@code RecoveryAttemptsExceeded}. 0 switches resuming off: such runs fail {@code WorkerLost}.
     */
    @WithDefault("3")
    int maxRecoveries();

    /**
     * How long a finished run's result is retried through a database outage. Part of this mapping, not a loose
     * property: SmallRye refuses a key under {@code harness.runs} that the mapping does not declare.
     */
    @WithDefault("300")
    int completeRetrySeconds();

    /** Longest a single function tool call may take (also bounded by the run's own deadline). */
    @WithDefault("120")
    int toolTimeoutSeconds();

    /**
     * On SIGTERM: how long runs in flight may still finish before their leases are released to other replicas.
     * Keep it below the pod's terminationGracePeriodSeconds minus the time the release itself needs.
     */
    @WithDefault("45")
    int shutdownGraceSeconds();

    /**
     * After the shutdown grace: how long runs still in flight get to reach their next step boundary (the model or tool
     * call in flight returns and is journaled) before they are interrupted and released anyway. Comes out of the
     * 15 s the chart and ACA leave between the grace and the pod's terminationGracePeriodSeconds.
     */
    @WithDefault("10")
    int releaseWaitSeconds();

    /** Runs one replica executes at once; they mostly wait on the model, on virtual threads. */
    @WithDefault("2000")
    int maxInFlight();

    @WithDefault("16")
    int maxMetadataEntries();

    /**
     * Models a request may name in {@code model} ({@code HARNESS_MODELS_ALLOWED}, comma-separated); unset = any.
     * The default model ({@code MODEL}) is used when a request names none, whatever this list says.
     */
    Optional<List<String>> modelsAllowed();
}
