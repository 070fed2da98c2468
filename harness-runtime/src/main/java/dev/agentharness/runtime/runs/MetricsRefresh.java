package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.observability.HarnessMetrics;
import dev.agentharness.runtime.state.EvalScores;
import java.time.Clock;
import java.time.Duration;
import dev.agentharness.runtime.state.Database;
import dev.agentharness.runtime.state.RunQueue;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * The metrics that need I/O, refreshed every {@code harness.metrics.refresh-interval}
 * ({@code HARNESS_METRICS_REFRESH_INTERVAL}, default 15s) instead of at each scrape: the queued-run count (one
 * index-only {@code count(*)}) and the artifact store's probe (through {@link HealthReport}'s cached check, so
 * {@code /health} and this job share one HeadBucket per window). A scrape only reads the last values.
 */
@ApplicationScoped
public class MetricsRefresh {

    private static final Logger LOG = Logger.getLogger(MetricsRefresh.class);

    private final HarnessMetrics metrics;
    private final RunQueue queue;
    private final Database database;
    private final HealthReport health;
    private final CostSpikes costSpikes;
    private final EvalScores evalScores;
    private final Clock clock;

    @Inject
    public MetricsRefresh(HarnessMetrics metrics, RunQueue queue, Database database, HealthReport health,
                          CostSpikes costSpikes, EvalScores evalScores, Clock clock) {
        this.evalScores = evalScores;
        this.clock = clock;
        this.costSpikes = costSpikes;
        this.metrics = metrics;
        this.queue = queue;
        this.database = database;
        this.health = health;
    }

    @Scheduled(identity = "metrics-refresh", every = "${harness.metrics.refresh-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            // Never during shutdown: touching the Database proxy after its bean was destroyed would create a new one
            // (and start a second embedded PostgreSQL that outlives the application).
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void refresh() {
        metrics.objectStoreProbed(health.objectStoreAnswers());
        if (!database.ready()) {
            return; // the count keeps its last value; database_up (the lease heartbeat) says why
        }
        try {
            metrics.runsQueued(queue.queuedCount());
        } catch (RuntimeException e) {
            LOG.debugf("queued-run count not refreshed: %s", e.getMessage());
        }
    }

    /**
     * The per-principal spend gauges and cost-spike alerts ({@link CostSpikes}), every
     * {@code harness.metrics.spend-refresh-interval} ({@code HARNESS_METRICS_SPEND_REFRESH_INTERVAL}, default 60s):
     * a grouped scan of today's usage rows, so less often than the queue count.
     */
    @Scheduled(identity = "spend-refresh", every = "${harness.metrics.spend-refresh-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            // Never during shutdown: touching the Database proxy after its bean was destroyed would create a new one
            // (and start a second embedded PostgreSQL that outlives the application).
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void refreshSpend() {
        if (!database.ready()) {
            return;
        }
        try {
            costSpikes.refresh();
        } catch (RuntimeException e) {
            LOG.debugf("per-principal spend not refreshed: %s", e.getMessage());
        }
        try {
            refreshEvalScores();
        } catch (RuntimeException e) {
            LOG.debugf("evaluation score gauges not refreshed: %s", e.getMessage());
        }
    }

    /** {@code agentharness_eval_score} / {@code _pass_rate}: inline scores of the last 24 h per agent and evaluator. */
    void refreshEvalScores() {
        metrics.evalScores(evalScores.averagesSince(EvalScores.INLINE, clock.instant().minus(Duration.ofHours(24)))
                .stream().map(a -> new HarnessMetrics.EvalAverage(a.agent(), a.evaluator(), a.average(),
                        a.count() == 0 ? 0 : (double) a.passed() / a.count()))
                .toList());
    }
}
