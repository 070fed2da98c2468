package dev.agentharness.runtime.state;

import dev.agentharness.api.RunStatus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * How runs end (SPEC §4): a worker's completion (run row, trace, artifacts, journal steps, session, audit in one
 * transaction, fenced on its lease), cancellation, and audit lines. Blocking API; statements are schema-qualified and
 * free of session state (PgBouncer).
 */
@ApplicationScoped
public class RunCompletions extends StoreStatements {

    static final String REASON_CANCELLED = "Cancelled";

    @Inject
    public RunCompletions(Database database) {
        this(database::pool, database.callTimeout());
    }

    public RunCompletions(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30));
    }

    public RunCompletions(Supplier<Pool> pool, Duration timeout) {
        super(pool, timeout);
    }

    /**
     * One transaction: final state, trace, artifacts, session updated_at, audit. Only while the run is still running
     * under {@code workerId}'s lease; otherwise nothing changes and the answer is false.
     *
     * @throws CompletionRejectedException when the database refuses the values themselves (never an outage)
     */
    public boolean complete(RunCompletion completion) {
        if (!completion.status().terminal()) {
            throw new IllegalArgumentException("a run completes with a terminal status, not " + completion.status());
        }
        try {
            return await(pool.get().withTransaction(conn -> complete(conn, completion)));
        } catch (PgException e) {
            if (CompletionRejectedException.permanent(e.getSqlState())) {
                throw new CompletionRejectedException(e.getSqlState(), e);
            }
            throw e;
        }
    }

    private Future<Boolean> complete(SqlConnection conn, RunCompletion c) {
        Tuple values = Tuple.tuple()
                .addString(c.runId()).addString(c.workerId()).addString(c.status().wire()).addString(c.reason())
                .addString(c.reply()).addLong(c.inputTokens()).addLong(c.outputTokens()).addDouble(c.costUsd())
                .addBoolean(c.usedSandbox()).addString(c.artifactError())
                .addInteger(c.steps().isEmpty() ? 0 : c.steps().getLast().seq())
                .addString(c.steps().isEmpty() ? null : c.steps().getLast().kind());
        String finish = "UPDATE public.runs SET status = $3, reason = $4, reply = $5, input_tokens = $6, "
                + "output_tokens = $7, cost_usd = $8, used_sandbox = $9, artifact_error = $10, completed_at = now(), "
                + "updated_at = now(), "
                + "lease_expires_at = NULL, step_count = GREATEST(step_count, $11), last_step = COALESCE($12, last_step) "
                + "WHERE id = $1 AND status = 'running' AND lease_owner = $2 "
                + "RETURNING principal, session_id, trace_id, lease_epoch";
        return conn.preparedQuery(finish).execute(values).compose(rows -> {
            if (rows.size() == 0) {
                return Future.succeededFuture(false);
            }
            Row run = rows.iterator().next();
            Tuple ofSession = Tuple.of(run.getString("principal"), run.getString("session_id"));
            return conn.preparedQuery("INSERT INTO public.traces (run_id, trace_id, spans) VALUES ($1, $2, $3::text::jsonb)")
                    .execute(Tuple.of(c.runId(), run.getString("trace_id"), c.traceJson() == null ? "[]" : c.traceJson()))
                    .compose(trace -> insertSteps(conn, c.runId(), run.getLong("lease_epoch"), c.steps()))
                    .compose(steps -> insertArtifacts(conn, c.runId(), c.artifacts()))
                    .compose(artifacts -> conn.preparedQuery("UPDATE public.sessions SET updated_at = now() "
                                    + "WHERE principal = $1 AND id = $2").execute(ofSession))
                    .compose(session -> insertAudit(conn, c.audit()))
                    .map(true);
        });
    }

    /**
     * Queued → cancelled at once; running → {@code cancel_requested} (the worker stops at its next check);
     * terminal → unchanged. Empty when the run does not exist for {@code principal}.
     */
    public Optional<RunRecord> requestCancel(String runId, String principal) {
        return await(pool.get().withTransaction(conn -> conn
                .preparedQuery(SELECT_RUN + "WHERE id = $1 AND principal = $2 FOR UPDATE")
                .execute(Tuple.of(runId, principal))
                .compose(rows -> {
                    if (rows.size() == 0) {
                        return Future.succeededFuture(Optional.<RunRecord>empty());
                    }
                    RunRecord current = RunRows.map(rows.iterator().next());
                    return cancel(conn, current).map(Optional::of);
                })));
    }

    private Future<RunRecord> cancel(SqlConnection conn, RunRecord current) {
        String update;
        String action;
        if (current.status() == RunStatus.QUEUED) {
            update = "UPDATE public.runs SET status = 'cancelled', reason = '" + REASON_CANCELLED + "', "
                    + "cancel_requested = true, completed_at = now(), updated_at = now(), step_count = step_count + 1, "
                    + "last_step = 'run_cancelled' WHERE id = $1 RETURNING ";
            action = "run.cancelled";
        } else if (current.status() == RunStatus.RUNNING && !current.cancelRequested()) {
            update = "UPDATE public.runs SET cancel_requested = true, updated_at = now() WHERE id = $1 RETURNING ";
            action = "run.cancel_requested";
        } else {
            return Future.succeededFuture(current);
        }
        return conn.preparedQuery(update + RunRows.COLUMNS).execute(Tuple.of(current.runId()))
                .compose(rows -> {
                    RunRecord changed = RunRows.map(rows.iterator().next());
                    // A queued run ends here, so its journal ends too (the events stream closes on this step).
                    Future<?> end = changed.status() == RunStatus.CANCELLED
                            ? insertSteps(conn, changed.runId(), changed.leaseEpoch(), List.of(JournalStep.of(
                                    changed.stepCount(), "run_cancelled", new JsonObject().put("status", "cancelled")
                                            .put("reason", REASON_CANCELLED)
                                            .put("message", "cancelled before a worker started it").encode())))
                            : Future.succeededFuture();
                    return end.compose(done -> insertAudit(conn,
                            new AuditEntry(current.principal(), current.runId(), action, null))).map(changed);
                });
    }

    public void audit(AuditEntry entry) {
        await(insertAudit(pool.get(), entry));
    }

    private static Future<?> insertArtifacts(SqlConnection conn, String runId, List<ArtifactRow> artifacts) {
        if (artifacts.isEmpty()) {
            return Future.succeededFuture();
        }
        List<Tuple> batch = artifacts.stream()
                .map(a -> Tuple.of(runId, a.name(), a.key(), a.size(), a.sha256(), a.contentType()))
                .toList();
        return conn.preparedQuery("INSERT INTO public.artifacts (run_id, name, key, size, sha256, content_type) "
                + "VALUES ($1, $2, $3, $4, $5, $6)").executeBatch(batch);
    }
}
