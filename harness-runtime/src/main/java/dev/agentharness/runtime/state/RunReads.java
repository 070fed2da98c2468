package dev.agentharness.runtime.state;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reads of runs (SPEC §4): one run (per principal or for workers), the change feed and its horizon, a run's trace and
 * artifact rows, whether a cancel was asked for. Blocking API; statements are schema-qualified and free of session
 * state (PgBouncer).
 */
@ApplicationScoped
public class RunReads extends StoreStatements {

    @Inject
    public RunReads(Database database) {
        this(database::pool, database.callTimeout());
    }

    public RunReads(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30));
    }

    public RunReads(Supplier<Pool> pool, Duration timeout) {
        super(pool, timeout);
    }

    /** The run if it belongs to {@code principal}; another principal's run is indistinguishable from none. */
    public Optional<RunRecord> find(String runId, String principal) {
        return one(SELECT_RUN + "WHERE id = $1 AND principal = $2", Tuple.of(runId, principal));
    }

    /** For workers, which act for every principal. */
    public Optional<RunRecord> findAny(String runId) {
        return one(SELECT_RUN + "WHERE id = $1", Tuple.of(runId));
    }

    /** Whether someone asked to cancel the run (false when it does not exist). Workers poll this between turns. */
    public boolean cancelRequested(String runId) {
        RowSet<Row> rows = await(pool.get().preparedQuery("SELECT cancel_requested FROM public.runs WHERE id = $1")
                .execute(Tuple.of(runId)));
        return rows.size() == 1 && rows.iterator().next().getBoolean("cancel_requested");
    }

    /**
     * The principal's runs after {@code position} in {@code (updated_at, id)} order (all when null), at most
     * {@code limit}. A keyset, not a timestamp: runs changed in one transaction share a timestamp, and a
     * page boundary inside such a group must neither repeat it (a cursor that cannot move) nor skip its rest.
     * Served by {@code runs_principal_updated_id_idx}.
     */
    public List<RunRecord> changedAfter(String principal, FeedPosition position, int limit) {
        if (position == null) {
            return list(SELECT_RUN + "WHERE principal = $1 ORDER BY updated_at, id LIMIT $2", Tuple.of(principal, limit));
        }
        return list(SELECT_RUN + "WHERE principal = $1 AND (updated_at, id) > ($2::timestamptz, $3::text) "
                + "ORDER BY updated_at, id LIMIT $4", Tuple.of(principal, position.updatedAt(), position.runId(), limit));
    }

    /**
     * The database's clock minus {@code lag}. A change stamped before this has committed unless its
     * transaction ran longer than {@code lag}: {@code updated_at} is taken when a transaction runs,
     * not when it commits, so a cursor must not move past changes that may still become visible.
     */
    public OffsetDateTime committedHorizon(Duration lag) {
        RowSet<Row> rows = await(pool.get().preparedQuery("SELECT clock_timestamp() - make_interval(secs => $1) AS horizon")
                .execute(Tuple.of((double) lag.toMillis() / 1000d)));
        return rows.iterator().next().getOffsetDateTime("horizon");
    }

    public Optional<TraceRecord> trace(String runId, String principal) {
        RowSet<Row> rows = await(pool.get().preparedQuery("SELECT t.run_id, t.trace_id, t.spans::text AS spans, t.created_at "
                        + "FROM public.traces t JOIN public.runs r ON r.id = t.run_id WHERE t.run_id = $1 AND r.principal = $2")
                .execute(Tuple.of(runId, principal)));
        if (rows.size() == 0) {
            return Optional.empty();
        }
        Row row = rows.iterator().next();
        return Optional.of(new TraceRecord(row.getString("run_id"), row.getString("trace_id"), row.getString("spans"),
                row.getOffsetDateTime("created_at")));
    }

    /** Artifact pointers of a run, in the order they were recorded. */
    public List<ArtifactRow> artifacts(String runId) {
        RowSet<Row> rows = await(pool.get().preparedQuery("SELECT name, key, size, sha256, content_type FROM public.artifacts "
                + "WHERE run_id = $1 ORDER BY id").execute(Tuple.of(runId)));
        List<ArtifactRow> artifacts = new ArrayList<>();
        rows.forEach(row -> artifacts.add(new ArtifactRow(row.getString("name"), row.getString("key"),
                row.getLong("size"), row.getString("sha256"), row.getString("content_type"))));
        return artifacts;
    }
}
