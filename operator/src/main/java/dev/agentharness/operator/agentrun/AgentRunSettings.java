package dev.agentharness.operator.agentrun;

import java.time.Duration;

/**
 * How the AgentRun controller paces itself.
 *
 * @param pollInterval          period of the bulk feed {@code GET /runs?updated_since=}
 * @param sandboxManifestGrace  how long a missing SandboxManifest is waited for before ValidationFailed
 * @param timeoutGrace          slack past {@code timeoutSeconds} before the operator cancels and reports TimedOut
 * @param cleanupGiveUpAfter    how long a deletion waits for an unreachable harness before dropping the finalizer
 * @param retryInitial          first delay after the harness was unavailable; doubles per attempt
 * @param retryMax              longest delay between two attempts
 * @param submitConcurrency     most {@code POST /runs} on the wire at once ({@link RunSubmitter})
 * @param progressInterval      least time between two progress-only status writes of one AgentRun ({@link StatusPacing})
 * @param throttleMaxWait       longest wait after the harness held a namespace back (429/402 at a limit, 403 suspended);
 *                              its {@code Retry-After} when shorter
 * @param evaluationWait        how long after a run finished the feed keeps following it for its evaluations (graded
 *                              asynchronously by the harness); 0 = not at all
 * @param agentWait             how long (from the AgentRun's creation) {@code spec.agent} may have no active version
 *                              before the AgentRun fails {@code ValidationFailed}
 */
public record AgentRunSettings(Duration pollInterval, Duration sandboxManifestGrace, Duration timeoutGrace,
                               Duration cleanupGiveUpAfter, Duration retryInitial, Duration retryMax,
                               int submitConcurrency, Duration progressInterval, Duration throttleMaxWait,
                               Duration evaluationWait, Duration agentWait) {

    /** Five minutes for an agent to become active. */
    public AgentRunSettings(Duration pollInterval, Duration sandboxManifestGrace, Duration timeoutGrace,
                            Duration cleanupGiveUpAfter, Duration retryInitial, Duration retryMax, int submitConcurrency,
                            Duration progressInterval, Duration throttleMaxWait, Duration evaluationWait) {
        this(pollInterval, sandboxManifestGrace, timeoutGrace, cleanupGiveUpAfter, retryInitial, retryMax,
                submitConcurrency, progressInterval, throttleMaxWait, evaluationWait, Duration.ofMinutes(5));
    }

    /** Evaluations followed for two minutes after a run finished. */
    public AgentRunSettings(Duration pollInterval, Duration sandboxManifestGrace, Duration timeoutGrace,
                            Duration cleanupGiveUpAfter, Duration retryInitial, Duration retryMax, int submitConcurrency,
                            Duration progressInterval, Duration throttleMaxWait) {
        this(pollInterval, sandboxManifestGrace, timeoutGrace, cleanupGiveUpAfter, retryInitial, retryMax,
                submitConcurrency, progressInterval, throttleMaxWait, Duration.ofMinutes(2));
    }

    /** Without a throttle bound of its own: ten minutes. */
    public AgentRunSettings(Duration pollInterval, Duration sandboxManifestGrace, Duration timeoutGrace,
                            Duration cleanupGiveUpAfter, Duration retryInitial, Duration retryMax, int submitConcurrency,
                            Duration progressInterval) {
        this(pollInterval, sandboxManifestGrace, timeoutGrace, cleanupGiveUpAfter, retryInitial, retryMax,
                submitConcurrency, progressInterval, Duration.ofMinutes(10));
    }

    /** The two settings a person is likeliest to get wrong are refused at start, naming their variables. */
    public AgentRunSettings {
        if (submitConcurrency < 1) {
            throw new IllegalArgumentException("HARNESS_SUBMIT_CONCURRENCY (agentharness.operator.submit-concurrency) "
                    + "must be at least 1, got " + submitConcurrency);
        }
        if (progressInterval.isNegative()) {
            throw new IllegalArgumentException("HARNESS_PROGRESS_INTERVAL (agentharness.operator.progress-interval) "
                    + "must not be negative, got " + progressInterval + "; 0S writes every change at once");
        }
        if (evaluationWait == null || evaluationWait.isNegative()) {
            throw new IllegalArgumentException("HARNESS_EVALUATION_WAIT (agentharness.operator.evaluation-wait) "
                    + "must not be negative, got " + evaluationWait + "; 0S does not wait for evaluations");
        }
        if (agentWait == null || agentWait.isNegative()) {
            throw new IllegalArgumentException("HARNESS_AGENT_WAIT (agentharness.operator.agent-wait) "
                    + "must not be negative, got " + agentWait + "; 0S fails at once when the agent is not ready");
        }
    }
}
