package dev.agentharness.runtime.state;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * New runs (SPEC §4): submit — session, queued run row and audit line in one transaction — and the idempotency-key
 * lookup behind it. Blocking API for virtual threads; statements are schema-qualified and free of session state
 * (PgBouncer).
 */
@ApplicationScoped
public class RunSubmissions extends StoreStatements {

    @Inject
    public RunSubmissions(Database database) {
        this(database::pool, database.callTimeout());
    }

    public RunSubmissions(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30));
    }

    public RunSubmissions(Supplier<Pool> pool, Duration timeout) {
        super(pool, timeout);
    }

    /**
     * One transaction: the principal's session created if missing, run inserted as queued, audit
     * {@code run.submitted}. With an idempotency key a second submission returns the first run with
     * {@code created=false}. Sessions are per principal: another principal's session of the same id is
     * another session, so nothing here depends on (or reveals) whether one exists.
     */
    public SubmitOutcome submit(NewRun run) {
        if (run.idempotencyKey() != null) {
            // Fast path for retries: no writes at all when the key is already known.
            Optional<RunRecord> existing = findByIdempotencyKey(run.principal(), run.idempotencyKey());
            if (existing.isPresent()) {
                return new SubmitOutcome(existing.get(), false);
            }
        }
        return await(pool.get().withTransaction(conn -> submit(conn, run)));
    }

    private Future<SubmitOutcome> submit(SqlConnection conn, NewRun run) {
        return conn.preparedQuery("INSERT INTO public.sessions (principal, id) VALUES ($1, $2) "
                        + "ON CONFLICT (principal, id) DO NOTHING RETURNING id")
                .execute(Tuple.of(run.principal(), run.sessionId()))
                .compose(inserted -> insertRun(conn, run, inserted.size() == 1));
    }

    private Future<SubmitOutcome> insertRun(SqlConnection conn, NewRun run, boolean sessionCreated) {
        Tuple values = Tuple.tuple()
                .addString(run.runId()).addString(run.sessionId()).addString(run.principal())
                .addString(run.agent()).addString(run.model()).addString(run.message())
                .addString(run.requestJson()).addString(run.requestHash()).addString(run.idempotencyKey())
                .addInteger(run.maxTurns()).addInteger(run.timeoutSeconds()).addBoolean(run.saveArtifact())
                .addString(run.traceId());
        // ON CONFLICT waits for a concurrent identical submission to commit, then does nothing: exactly one row.
        String insert = "INSERT INTO public.runs (id, session_id, principal, agent, model, message, request_json, "
                + "request_hash, idempotency_key, max_turns, timeout_seconds, save_artifact, trace_id, status) "
                + "VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb, $8, $9, $10, $11, $12, $13, 'queued') "
                + "ON CONFLICT (principal, idempotency_key) DO NOTHING RETURNING " + RunRows.COLUMNS;
        return conn.preparedQuery(insert).execute(values).compose(rows -> {
            if (rows.size() == 1) {
                RunRecord created = RunRows.map(rows.iterator().next());
                JsonObject detail = new JsonObject().put("session_id", run.sessionId()).put("agent", run.agent())
                        .put("model", run.model());
                return insertAudit(conn, new AuditEntry(run.principal(), run.runId(), "run.submitted", detail.encode()))
                        .map(new SubmitOutcome(created, true));
            }
            // Lost the race to an identical submission: hand back the winner; drop a session only we created.
            Future<?> cleanup = sessionCreated
                    ? conn.preparedQuery("DELETE FROM public.sessions WHERE principal = $1 AND id = $2")
                            .execute(Tuple.of(run.principal(), run.sessionId()))
                    : Future.succeededFuture();
            return cleanup.compose(done -> conn.preparedQuery(SELECT_RUN + "WHERE principal = $1 AND idempotency_key = $2")
                            .execute(Tuple.of(run.principal(), run.idempotencyKey())))
                    .map(existing -> new SubmitOutcome(RunRows.map(existing.iterator().next()), false));
        });
    }

    public Optional<RunRecord> findByIdempotencyKey(String principal, String idempotencyKey) {
        return one(SELECT_RUN + "WHERE principal = $1 AND idempotency_key = $2", Tuple.of(principal, idempotencyKey));
    }
}
