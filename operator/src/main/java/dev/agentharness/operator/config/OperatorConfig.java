package dev.agentharness.operator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything the operator is told at start ({@code agentharness.operator.*}; the environment
 * variables are in {@code application.properties}).
 */
@ConfigMapping(prefix = "agentharness.operator")
public interface OperatorConfig {

    Harness harness();

    /** How often the bulk feed {@code GET /runs?updated_since=} is polled. */
    @WithDefault("2S")
    Duration pollInterval();

    /**
     * How long an AgentRun waits for the SandboxManifest it references to appear before it fails
     * {@code ValidationFailed}: {@code kubectl apply -f dir/} and Argo CD may create the two in any order.
     */
    @WithDefault("60S")
    Duration sandboxManifestGrace();

    /** Slack on top of {@code timeoutSeconds} before the operator itself cancels a run and reports TimedOut. */
    @WithDefault("30S")
    Duration timeoutGrace();

    /** How long deleting an AgentRun waits for an unreachable harness to cancel its run before giving up. */
    @WithDefault("10M")
    Duration cleanupGiveUpAfter();

    /** First retry delay after the harness was unavailable; doubles per attempt up to {@link #retryMax()}. */
    @WithDefault("1S")
    Duration retryInitial();

    @WithDefault("60S")
    Duration retryMax();

    /**
     * Most run submissions ({@code POST /runs}) on the wire at once. They run beside the reconciler, never on its
     * threads, so a burst of new AgentRuns does not hold back the status of finished ones.
     */
    @WithDefault("16")
    int submitConcurrency();

    /**
     * Least time between two status writes of a running AgentRun that only say how far it got (Queued to Running,
     * another turn); its submission and its end are written at once. Zero writes every change at once.
     */
    @WithDefault("5S")
    Duration progressInterval();

    /**
     * Longest wait after the harness held a namespace back ({@code 429}/{@code 402} at a limit, {@code 403} suspended):
     * its {@code Retry-After}, at most this; the retry backoff when it gives none.
     */
    @WithDefault("10M")
    Duration throttleMaxWait();

    /**
     * How long after a run finished its AgentRun keeps following it in the feed for its evaluations (the harness grades
     * finished runs asynchronously); {@code 0S} does not wait for them.
     */
    @WithDefault("2M")
    Duration evaluationWait();

    /**
     * How long an AgentRun whose {@code spec.agent} cannot serve yet (its Agent has no active version, or no such agent
     * exists) waits, from its creation, before it fails {@code ValidationFailed}: Argo CD applies an Agent and the
     * AgentRuns that name it together, and the Agent's golden set takes a while.
     */
    @WithDefault("5M")
    Duration agentWait();

    LeaderElection leaderElection();

    interface Harness {
        /** {@code HARNESS_URL}. */
        URI url();

        /** {@code HARNESS_API_TOKEN}: one of the harness's {@code HARNESS_API_KEYS}. */
        Optional<String> apiToken();

        @WithDefault("5S")
        Duration connectTimeout();

        @WithDefault("30S")
        Duration readTimeout();
    }

    interface LeaderElection {
        /** Active only in the prod profile (QOSDK), and only when this is true. */
        @WithDefault("true")
        boolean enabled();

        @WithDefault("agent-harness-operator")
        String leaseName();

        /** Defaults to the namespace of the operator's Kubernetes client (in a pod: its own namespace). */
        Optional<String> leaseNamespace();
    }
}
