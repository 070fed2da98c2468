package dev.agentharness.runtime.state;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
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
     * The submission in one statement (one round trip; a statement is its own transaction): the principal's session
     * created if missing, the run inserted as queued, audit {@code run.submitted} — the last only when the run row was
     * inserted. The outer join always yields one row: the new run's columns, or nulls when an identical submission
     * (same principal and idempotency key) holds the key, and whether this statement created the session.
     */
    private static final String SUBMIT = "WITH created_session AS (INSERT INTO public.sessions (principal, id) "
            + "VALUES ($3, $2) ON CONFLICT (principal, id) DO NOTHING RETURNING id)"
            + ", created AS (INSERT INTO public.runs (id, session_id, principal, agent, model, message, request_json, "
            + "request_hash, idempotency_key, max_turns, timeout_seconds, save_artifact, trace_id, max_cost_usd, max_tokens, "
            + "agent_version, agent_versions, status) VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb, $8, $9, $10, $11, "
            + "$12, $13, $15, $16, $17, $18::text::jsonb, 'queued') "
            // ON CONFLICT waits for a concurrent identical submission to commit, then does nothing: exactly one row.
            + "ON CONFLICT (principal, idempotency_key) DO NOTHING RETURNING " + RunRows.COLUMNS + ")"
            + ", audited AS (INSERT INTO public.audit_log (principal, run_id, action, detail) "
            + "SELECT principal, id, 'run.submitted', $14::text::jsonb FROM created) "
            + "SELECT created.*, (SELECT count(*) FROM created_session) AS session_created "
            + "FROM (SELECT 1) AS one LEFT JOIN created ON true";

    /**
     * The principal's session created if missing, run inserted as queued, audit {@code run.submitted}, atomically.
     * With an idempotency key a second submission returns the first run with {@code created=false}. Sessions are per
     * principal: another principal's session of the same id is another session, so nothing here depends on (or
     * reveals) whether one exists.
     */
    public SubmitOutcome submit(NewRun run) {
        if (run.idempotencyKey() != null) {
            // Fast path for retries: no writes at all when the key is already known.
            Optional<RunRecord> existing = findByIdempotencyKey(run.principal(), run.idempotencyKey());
            if (existing.isPresent()) {
                return new SubmitOutcome(existing.get(), false);
            }
        }
        Row row = await(pool.get().preparedQuery(SUBMIT).execute(values(run))).iterator().next();
        if (row.getString("id") != null) {
            return new SubmitOutcome(RunRows.map(row), true);
        }
        // Lost the race to an identical submission: drop a session only this statement created and nobody uses,
        // and hand back the winner.
        if (row.getLong("session_created") > 0) {
            await(pool.get().preparedQuery("DELETE FROM public.sessions WHERE principal = $1 AND id = $2 "
                            + "AND NOT EXISTS (SELECT 1 FROM public.runs WHERE principal = $1 AND session_id = $2)")
                    .execute(Tuple.of(run.principal(), run.sessionId())));
        }
        return new SubmitOutcome(findByIdempotencyKey(run.principal(), run.idempotencyKey()).orElseThrow(), false);
    }

    /**
     * Advisory-lock class of submissions (two-key form: its key space never meets the one-key form's), the second key
     * being {@code hashtext(principal)}: a principal's quota-checked submissions run one at a time across replicas.
     */
    static final int SUBMISSION_LOCK_CLASS = 0x41485331;

    /** A principal's runs waiting and running ({@code runs_principal_active_idx}, V9). */
    private static final String COUNT_ACTIVE = "SELECT count(*) FILTER (WHERE status = 'queued') AS queued, "
            + "count(*) FILTER (WHERE status = 'running') AS running FROM public.runs "
            + "WHERE principal = $1 AND status IN ('queued', 'running')";

    /**
     * As {@link #submit(NewRun)}, refusing the run with {@link QuotaExceededException} when the principal is at its
     * {@code quota}. The count and the insert are one transaction holding a transaction-scoped advisory lock on the
     * principal (PgBouncer transaction mode keeps it; no session state), so concurrent submissions on any replica
     * cannot both take the last place. A retry with a known idempotency key returns its run and is never refused.
     */
    public SubmitOutcome submit(NewRun run, SubmissionQuota quota) {
        if (!quota.bounded()) {
            return submit(run);
        }
        if (run.idempotencyKey() != null) {
            Optional<RunRecord> existing = findByIdempotencyKey(run.principal(), run.idempotencyKey());
            if (existing.isPresent()) {
                return new SubmitOutcome(existing.get(), false);
            }
        }
        return await(pool.get().withTransaction(conn -> conn
                .preparedQuery("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                .execute(Tuple.of(SUBMISSION_LOCK_CLASS, run.principal()))
                // Under the lock: an identical submission that got here first is the answer, not a refusal.
                .compose(locked -> run.idempotencyKey() == null ? Future.succeededFuture(Optional.<RunRecord>empty())
                        : conn.preparedQuery(SELECT_RUN + "WHERE principal = $1 AND idempotency_key = $2")
                                .execute(Tuple.of(run.principal(), run.idempotencyKey()))
                                .map(rows -> rows.size() == 0 ? Optional.<RunRecord>empty()
                                        : Optional.of(RunRows.map(rows.iterator().next()))))
                .compose(existing -> existing.isPresent()
                        ? Future.succeededFuture(new SubmitOutcome(existing.get(), false))
                        : conn.preparedQuery(COUNT_ACTIVE).execute(Tuple.of(run.principal())).compose(counts -> {
                            Row count = counts.iterator().next();
                            QuotaExceededException exceeded = quota.check(count.getLong("queued"),
                                    count.getLong("running"));
                            if (exceeded != null) {
                                return Future.failedFuture(exceeded);
                            }
                            return conn.preparedQuery(SUBMIT).execute(values(run))
                                    .map(rows -> new SubmitOutcome(RunRows.map(rows.iterator().next()), true));
                        }))));
    }

    private static Tuple values(NewRun run) {
        JsonObject detail = new JsonObject().put("session_id", run.sessionId()).put("agent", run.agent())
                .put("model", run.model());
        if (run.agentVersion() != null) {
            detail.put("agent_version", run.agentVersion());
        }
        return Tuple.tuple()
                .addString(run.runId()).addString(run.sessionId()).addString(run.principal())
                .addString(run.agent()).addString(run.model()).addString(run.message())
                .addString(run.requestJson()).addString(run.requestHash()).addString(run.idempotencyKey())
                .addInteger(run.maxTurns()).addInteger(run.timeoutSeconds()).addBoolean(run.saveArtifact())
                .addString(run.traceId()).addString(detail.encode())
                .addDouble(run.maxCostUsd()).addLong(run.maxTokens())
                .addString(run.agentVersion()).addString(RunRows.versionsJson(run.agentVersions()));
    }

    public Optional<RunRecord> findByIdempotencyKey(String principal, String idempotencyKey) {
        return one(SELECT_RUN + "WHERE principal = $1 AND idempotency_key = $2", Tuple.of(principal, idempotencyKey));
    }
}
