package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.state.RetentionStore;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BiFunction;
import org.jboss.logging.Logger;

/**
 * Enforces {@link RetentionSettings}: every {@code harness.retention.interval} it deletes finished runs (with traces
 * and artifact rows) and audit entries past their age, and frees old idempotency keys. Queued and running runs are
 * never touched. Each replica runs it; the statements skip each other's rows, so replicas never double-delete or wait.
 */
@ApplicationScoped
public class RetentionJob {

    private static final Logger LOG = Logger.getLogger(RetentionJob.class);

    /** Batches of one kind in one pass: a backlog is worked off over several passes rather than in one long one. */
    static final int MAX_BATCHES_PER_PASS = 1000;

    /** What one pass removed. */
    public record Pass(int runsDeleted, int auditDeleted, int idempotencyKeysCleared) {
    }

    private final RetentionStore store;
    private final RetentionSettings settings;
    private final Clock clock;

    @Inject
    public RetentionJob(RetentionStore store, RetentionSettings settings, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
    }

    @Scheduled(identity = "retention", every = "${harness.retention.interval}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            // Never during shutdown: touching the Database proxy after its bean was destroyed would create a new one
            // (and start a second embedded PostgreSQL that outlives the application).
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        try {
            Pass pass = enforce();
            if (pass.runsDeleted() + pass.auditDeleted() + pass.idempotencyKeysCleared() > 0) {
                LOG.infof("retention: deleted %d runs and %d audit entries, freed %d idempotency keys",
                        pass.runsDeleted(), pass.auditDeleted(), pass.idempotencyKeysCleared());
            }
        } catch (RuntimeException e) {
            // The next pass retries; a database outage must not end the schedule.
            LOG.warnf("retention pass failed, retried in %s: %s", settings.interval(), e.getClass().getSimpleName());
        }
    }

    /** One pass with the configured ages; blocking (runs on a worker or virtual thread, never the event loop). */
    public Pass enforce() {
        Instant now = clock.instant();
        int keys = apply(settings.idempotencyDays(), now, store::clearIdempotencyKeys);
        int runs = apply(settings.runsDays(), now, store::deleteFinishedRuns);
        int audit = apply(settings.auditDays(), now, store::deleteAuditEntries);
        return new Pass(runs, audit, keys);
    }

    private int apply(int days, Instant now, BiFunction<Instant, Integer, Integer> statement) {
        if (days <= 0) {
            return 0;
        }
        Instant cutoff = now.minus(Duration.ofDays(days));
        int batch = settings.batchSize();
        int total = 0;
        for (int i = 0; i < MAX_BATCHES_PER_PASS; i++) {
            int done = statement.apply(cutoff, batch);
            total += done;
            if (done < batch) {
                break;
            }
        }
        return total;
    }
}
