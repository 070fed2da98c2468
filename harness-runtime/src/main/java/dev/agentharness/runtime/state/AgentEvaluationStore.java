package dev.agentharness.runtime.state;

import io.opentelemetry.api.trace.Tracer;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code public.agent_evaluations} (V12, V13): golden-set evaluations of agent versions. A row is written
 * {@code running} before the first case runs, its {@code heartbeat_at} moved while it runs, and finished once
 * ({@code passed|failed|error} with the result JSON). Every update of a running row is conditional on it still running:
 * a row declared stale (its replica stopped) and closed as {@code error} is never reopened by a late heartbeat.
 * Times come from the caller (its injected clock).
 */
@ApplicationScoped
public class AgentEvaluationStore extends StoreStatements {

    /** One evaluation as stored; {@code resultJson} is null while it runs. */
    public record StoredEvaluation(String id, String principal, String name, String version, String datasetDigest,
                                   double threshold, String status, String resultJson, OffsetDateTime createdAt,
                                   OffsetDateTime heartbeatAt, OffsetDateTime finishedAt) {

        public boolean running() {
            return RUNNING.equals(status);
        }
    }

    /** What {@link #start} found or wrote: {@code created} false when an earlier evaluation answers the request. */
    public record Started(StoredEvaluation evaluation, boolean created) {
    }

    public static final String RUNNING = "running";
    public static final String ERROR = "error";

    /** Serialises starts of the same (tenant, agent, version, dataset, threshold): one evaluation, not two. */
    static final int START_LOCK_CLASS = 0x41484531;

    private static final String COLUMNS = "SELECT id, principal, name, version, dataset_digest, threshold, status, "
            + "result::text AS result, created_at, heartbeat_at, finished_at FROM public.agent_evaluations ";
    private static final String KEY = "principal = $1 AND name = $2 AND version = $3 AND dataset_digest = $4 "
            + "AND threshold = $5";

    private final Tracer tracer;

    @Inject
    public AgentEvaluationStore(Database database, Tracer tracer) {
        this(database::pool, database.callTimeout(), tracer);
    }

    public AgentEvaluationStore(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30), StatementSpans.NONE);
    }

    public AgentEvaluationStore(Supplier<Pool> pool, Duration timeout, Tracer tracer) {
        super(pool, timeout);
        this.tracer = tracer;
    }

    /** For the CDI client proxy. */
    AgentEvaluationStore() {
        this.tracer = StatementSpans.NONE;
    }

    /**
     * Answers the latest evaluation of the same version, dataset digest and threshold unless it ended in
     * {@code error}, else writes a new {@code running} one with {@code id} (and {@code startResultJson}: what is known
     * before the first case runs). In one transaction under a
     * transaction-scoped advisory lock on the key: running rows of the key whose heartbeat is older than
     * {@code staleBefore} are first closed as {@code error} with {@code staleResultJson}.
     */
    public Started start(String id, String principal, String name, String version, String datasetDigest,
                         double threshold, String startResultJson, Instant now, Instant staleBefore,
                         String staleResultJson) {
        Tuple key = Tuple.of(principal, name, version, datasetDigest, threshold);
        OffsetDateTime at = utc(now);
        Tuple closeStale = Tuple.of(principal, name, version, datasetDigest, threshold, utc(staleBefore))
                .addValue(staleResultJson).addValue(at);
        Tuple insert = Tuple.of(principal, name, version, datasetDigest, threshold, id).addValue(at)
                .addValue(startResultJson);
        return StatementSpans.traced(tracer, "INSERT", "public.agent_evaluations", () -> await(pool.get()
                .withTransaction(conn -> conn
                        .preparedQuery("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                        .execute(Tuple.of(START_LOCK_CLASS, String.join("\n", principal, name, version, datasetDigest,
                                Double.toString(threshold))))
                        .compose(locked -> conn.preparedQuery("UPDATE public.agent_evaluations SET status = 'error', "
                                        + "result = $7::text::jsonb, finished_at = $8 WHERE " + KEY
                                        + " AND status = 'running' AND heartbeat_at < $6")
                                .execute(closeStale))
                        .compose(closed -> conn.preparedQuery(COLUMNS + "WHERE " + KEY + " AND status <> 'error' "
                                + "ORDER BY created_at DESC LIMIT 1").execute(key))
                        .compose(existing -> existing.size() > 0
                                ? Future.succeededFuture(new Started(evaluation(existing.iterator().next()), false))
                                : conn.preparedQuery("INSERT INTO public.agent_evaluations (id, principal, name, "
                                                + "version, dataset_digest, threshold, status, result, created_at, heartbeat_at) "
                                                + "VALUES ($6, $1, $2, $3, $4, $5, 'running', $8::text::jsonb, $7, $7) "
                                                + "RETURNING id, "
                                                + "principal, name, version, dataset_digest, threshold, status, "
                                                + "result::text AS result, created_at, heartbeat_at, finished_at")
                                        .execute(insert)
                                        .map(rows -> new Started(evaluation(rows.iterator().next()), true))))));
    }

    public Optional<StoredEvaluation> find(String principal, String name, String id) {
        RowSet<Row> rows = StatementSpans.traced(tracer, "SELECT", "public.agent_evaluations", () -> await(pool.get()
                .preparedQuery(COLUMNS + "WHERE id = $1 AND principal = $2 AND name = $3")
                .execute(Tuple.of(id, principal, name))));
        return rows.size() == 0 ? Optional.empty() : Optional.of(evaluation(rows.iterator().next()));
    }

    /** Moves a running evaluation's heartbeat; false when it is no longer running (finished, or closed as stale). */
    public boolean heartbeat(String id, Instant now) {
        RowSet<Row> rows = StatementSpans.traced(tracer, "UPDATE", "public.agent_evaluations", () -> await(pool.get()
                .preparedQuery("UPDATE public.agent_evaluations SET heartbeat_at = $2 WHERE id = $1 "
                        + "AND status = 'running' RETURNING id")
                .execute(Tuple.of(id, utc(now)))));
        return rows.size() > 0;
    }

    /** Records the verdict of a running evaluation; false when it was no longer running (nothing changed). */
    public boolean finish(String id, String status, String resultJson, Instant now) {
        RowSet<Row> rows = StatementSpans.traced(tracer, "UPDATE", "public.agent_evaluations", () -> await(pool.get()
                .preparedQuery("UPDATE public.agent_evaluations SET status = $2, result = $3::text::jsonb, "
                        + "finished_at = $4, heartbeat_at = $4 WHERE id = $1 AND status = 'running' RETURNING id")
                .execute(Tuple.of(id, status, resultJson, utc(now)))));
        return rows.size() > 0;
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static StoredEvaluation evaluation(Row row) {
        return new StoredEvaluation(row.getString("id"), row.getString("principal"), row.getString("name"),
                row.getString("version"), row.getString("dataset_digest"), row.getDouble("threshold"),
                row.getString("status"), row.getString("result"), row.getOffsetDateTime("created_at"),
                row.getOffsetDateTime("heartbeat_at"), row.getOffsetDateTime("finished_at"));
    }
}
