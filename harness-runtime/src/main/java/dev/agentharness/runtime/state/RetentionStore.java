package dev.agentharness.runtime.state;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.function.Supplier;

/**
 * The retention statements: each removes (or clears) at most {@code batch} rows older than a cutoff in one short
 * statement, so a large backlog never becomes one giant transaction. {@code FOR UPDATE SKIP LOCKED} lets several
 * replicas run them at once on disjoint rows, and never waits on a row a worker is completing. Only finished runs are
 * ever touched. Schema-qualified and free of session state (PgBouncer transaction mode).
 */
@ApplicationScoped
public class RetentionStore {

    private static final String FINISHED = "status IN ('succeeded', 'failed', 'cancelled', 'timed_out')";

    /** Finished runs created and last changed before the cutoff; their trace and artifact rows go by ON DELETE CASCADE. */
    private static final String DELETE_RUNS = "DELETE FROM public.runs r USING (SELECT id FROM public.runs "
            + "WHERE " + FINISHED + " AND created_at < $1 AND updated_at < $1 "
            + "ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED) old WHERE r.id = old.id";

    private static final String DELETE_AUDIT = "DELETE FROM public.audit_log a USING (SELECT id FROM public.audit_log "
            + "WHERE at < $1 ORDER BY at LIMIT $2 FOR UPDATE SKIP LOCKED) old WHERE a.id = old.id";

    /** The run stays (history, status); only its key is freed. updated_at is kept: this is no change a client follows. */
    private static final String CLEAR_IDEMPOTENCY_KEYS = "UPDATE public.runs r SET idempotency_key = NULL "
            + "FROM (SELECT id FROM public.runs WHERE idempotency_key IS NOT NULL AND " + FINISHED
            + " AND created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED) old WHERE r.id = old.id";

    private final Supplier<Pool> pool;
    private final Duration timeout;

    @Inject
    public RetentionStore(Database database) {
        this(database::pool, database.callTimeout());
    }

    public RetentionStore(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30));
    }

    public RetentionStore(Supplier<Pool> pool, Duration timeout) {
        this.pool = pool;
        this.timeout = timeout;
    }

    /** Deletes up to {@code batch} finished runs (with traces and artifact rows) older than {@code cutoff}. */
    public int deleteFinishedRuns(Instant cutoff, int batch) {
        return update(DELETE_RUNS, cutoff, batch);
    }

    public int deleteAuditEntries(Instant cutoff, int batch) {
        return update(DELETE_AUDIT, cutoff, batch);
    }

    /** Clears the idempotency key of up to {@code batch} finished runs submitted before {@code cutoff}. */
    public int clearIdempotencyKeys(Instant cutoff, int batch) {
        return update(CLEAR_IDEMPOTENCY_KEYS, cutoff, batch);
    }

    private int update(String sql, Instant cutoff, int batch) {
        Tuple args = Tuple.of(OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC), batch);
        return Blocking.await(pool.get().preparedQuery(sql).execute(args), timeout).rowCount();
    }
}
