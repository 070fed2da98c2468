package dev.agentharness.runtime.state;

import dev.agentharness.api.RunStatus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Durable runs (SPEC §4): submit, the worker queue with leases, completion, cancellation, bulk status.
 * Blocking API for virtual threads; every statement is schema-qualified and free of session state (PgBouncer).
 */
@ApplicationScoped
public class RunStore {

    static final String REASON_CANCELLED = "Cancelled";

    private static final String SELECT_RUN = "SELECT " + RunRows.COLUMNS + " FROM public.runs ";

    private Supplier<Pool> pool;
    private Duration timeout;

    @Inject
    public RunStore(Database database) {
        this(database::pool, database.callTimeout());
    }

    public RunStore(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30));
    }

    public RunStore(Supplier<Pool> pool, Duration timeout) {
        this.pool = pool;
        this.timeout = timeout;
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

    /** The run if it belongs to {@code principal}; another principal's run is indistinguishable from none. */
    public Optional<RunRecord> find(String runId, String principal) {
        return one(SELECT_RUN + "WHERE id = $1 AND principal = $2", Tuple.of(runId, principal));
    }

    /** For workers, which act for every principal. */
    public Optional<RunRecord> findAny(String runId) {
        return one(SELECT_RUN + "WHERE id = $1", Tuple.of(runId));
    }

    public Optional<RunRecord> findByIdempotencyKey(String principal, String idempotencyKey) {
        return one(SELECT_RUN + "WHERE principal = $1 AND idempotency_key = $2", Tuple.of(principal, idempotencyKey));
    }

    /**
     * Claims up to {@code limit} queued runs, oldest first, in one statement. {@code SKIP LOCKED} lets concurrent
     * workers pass over each other's rows, so no run is ever claimed twice.
     */
    public List<RunRecord> claimQueued(String workerId, int limit, Duration lease) {
        String claim = "UPDATE public.runs r SET status = 'running', started_at = COALESCE(r.started_at, now()), "
                + "attempts = r.attempts + 1, lease_epoch = r.lease_epoch + 1, lease_owner = $1, "
                + "lease_expires_at = now() + $3::bigint * interval '1 millisecond', updated_at = now() "
                + "FROM (SELECT id AS claim_id FROM public.runs WHERE status = 'queued' "
                + "ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) c "
                + "WHERE r.id = c.claim_id RETURNING " + RunRows.COLUMNS;
        List<RunRecord> claimed = list(claim, Tuple.of(workerId, limit, lease.toMillis()));
        // RETURNING has no order; callers expect oldest first.
        return claimed.stream().sorted(Comparator.comparing(RunRecord::createdAt).thenComparing(RunRecord::runId)).toList();
    }

    /**
     * Extends the leases of {@code runIds} — the runs this worker is executing right now — and returns the ids whose
     * lease it still holds. A run it claimed but no longer executes is never renewed, so its lease can run out;
     * a run missing from the answer was taken from this worker (its lease expired and another replica failed it).
     * Not a state change, so updated_at stays (the operator's bulk poll would otherwise see every run change).
     */
    public Set<String> heartbeat(String workerId, Collection<String> runIds, Duration lease) {
        return heartbeat(pool.get(), workerId, runIds, lease);
    }

    /** As {@link #heartbeat(String, Collection, Duration)} on {@code client}: the dispatcher's own lease connection. */
    public Set<String> heartbeat(SqlClient client, String workerId, Collection<String> runIds, Duration lease) {
        // Even with nothing in flight the statement runs: it is also how the worker learns the database answers.
        RowSet<Row> rows = await(client.preparedQuery("UPDATE public.runs "
                        + "SET lease_expires_at = now() + $3::bigint * interval '1 millisecond' "
                        + "WHERE id = ANY($2::text[]) AND status = 'running' AND lease_owner = $1 RETURNING id")
                .execute(Tuple.of(workerId, runIds.toArray(String[]::new), lease.toMillis())));
        Set<String> held = new HashSet<>();
        rows.forEach(row -> held.add(row.getString("id")));
        return held;
    }

    /**
     * Hands runs this worker holds back to the queue (a draining replica): status queued, lease cleared, attempts
     * kept, so another replica claims them at once and resumes them from their journal (the next claim's lease epoch
     * fences this worker out). Audited {@code run.released}. Returns the ids.
     */
    public List<String> release(String workerId, Collection<String> runIds) {
        if (runIds.isEmpty()) {
            return List.of();
        }
        String release = "WITH released AS (UPDATE public.runs SET status = 'queued', lease_owner = NULL, "
                + "lease_expires_at = NULL, updated_at = now() "
                + "WHERE id = ANY($2::text[]) AND status = 'running' AND lease_owner = $1 "
                + "RETURNING id, principal, attempts) "
                + "INSERT INTO public.audit_log (principal, run_id, action, detail) "
                + "SELECT principal, id, 'run.released', jsonb_build_object('worker', $1::text, 'attempts', attempts, "
                + "'note', 'released by a replica shutting down; the replica that claims it next resumes it from its "
                + "journal') "
                + "FROM released RETURNING run_id";
        RowSet<Row> rows = await(pool.get().preparedQuery(release)
                .execute(Tuple.tuple().addString(workerId).addArrayOfString(runIds.toArray(String[]::new))));
        List<String> ids = new ArrayList<>();
        rows.forEach(row -> ids.add(row.getString("run_id")));
        return ids;
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

    /** Runs whose worker stopped heartbeating become failed with {@code reason}; returns their ids. */
    public List<String> failExpiredLeases(String reason) {
        return failExpiredLeases(reason, null, Duration.ZERO);
    }

    /**
     * Fails, with {@code reason}, the runs whose lease expired more than {@code grace} ago — never the runs leased by
     * {@code liveWorker} (the caller): a worker that is alive, for example just back from a database outage during
     * which it could not renew, must not declare its own runs lost while it is still executing them. The grace
     * absorbs a peer's short stall (GC pause, CPU starvation, a slow connection) before its runs are given up.
     */
    public List<String> failExpiredLeases(String reason, String liveWorker, Duration grace) {
        // One statement: the failure and its audit line cannot be separated. Concurrent sweepers re-check the
        // WHERE clause after the row lock, so each run is failed (and audited) once.
        String sweep = "WITH expired AS (UPDATE public.runs SET status = 'failed', reason = $1, completed_at = now(), "
                + "updated_at = now(), lease_expires_at = NULL "
                + "WHERE status = 'running' AND lease_expires_at < now() - $3::bigint * interval '1 millisecond' "
                + "AND lease_owner IS DISTINCT FROM $2::text "
                + "RETURNING id, principal, lease_owner) "
                + "INSERT INTO public.audit_log (principal, run_id, action, detail) "
                + "SELECT principal, id, 'run.worker_lost', jsonb_build_object('worker', lease_owner, 'reason', $1::text) "
                + "FROM expired RETURNING run_id";
        RowSet<Row> rows = await(pool.get().preparedQuery(sweep).execute(Tuple.of(reason, liveWorker, grace.toMillis())));
        List<String> ids = new ArrayList<>();
        rows.forEach(row -> ids.add(row.getString("run_id")));
        return ids;
    }

    /** What one sweep of expired leases did: runs handed back to the queue to resume, and runs it failed. */
    public record LeaseSweep(List<String> resumed, List<String> failed) {
    }

    /**
     * Runs whose lease expired — their worker died, stalled past its lease or lost the database — go back to the queue
     * at once, to be resumed from their journal by whichever replica claims them: the lease epoch fences the old worker
     * out, so nothing waits for it. A run already resumed {@code maxRecoveries} times is failed instead, but only once
     * its lease has been expired for {@code failGrace} too (a stalled peer may still finish it):
     * {@code RecoveryAttemptsExceeded}, or {@code WorkerLost} when resuming is switched off ({@code maxRecoveries} 0).
     * Never touches {@code liveWorker}'s own runs. One statement: every change comes with its audit line (and a failed
     * run with its terminal journal step), and concurrent sweepers skip each other's rows.
     */
    public LeaseSweep recoverExpiredLeases(String liveWorker, int maxRecoveries, Duration failGrace) {
        String sweep = "WITH expired AS (SELECT id, principal, lease_owner, recoveries, lease_expires_at, step_count "
                + "FROM public.runs WHERE status = 'running' AND lease_expires_at < now() "
                + "AND lease_owner IS DISTINCT FROM $1::text FOR UPDATE SKIP LOCKED), "
                + "resumed AS (UPDATE public.runs r SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, "
                + "recoveries = r.recoveries + 1, updated_at = now() FROM expired e "
                + "WHERE r.id = e.id AND e.recoveries < $2 RETURNING r.id, r.principal, e.lease_owner, r.recoveries), "
                + "failed AS (UPDATE public.runs r SET status = 'failed', "
                + "reason = CASE WHEN $2 = 0 THEN 'WorkerLost' ELSE 'RecoveryAttemptsExceeded' END, "
                + "completed_at = now(), updated_at = now(), lease_expires_at = NULL, "
                + "step_count = e.step_count + 1, last_step = 'run_failed' FROM expired e "
                + "WHERE r.id = e.id AND e.recoveries >= $2 "
                + "AND e.lease_expires_at < now() - $3::bigint * interval '1 millisecond' "
                + "RETURNING r.id, r.principal, e.lease_owner, r.reason, r.step_count, r.lease_epoch, r.recoveries), "
                + "journal AS (INSERT INTO public.run_steps (run_id, seq, kind, payload, epoch) "
                + "SELECT id, step_count, 'run_failed', jsonb_build_object('status', 'failed', 'reason', reason, "
                + "'message', CASE WHEN $2 = 0 THEN 'the worker executing the run stopped renewing its lease' "
                + "ELSE 'the run lost its worker again after ' || recoveries || ' recoveries' END), lease_epoch "
                + "FROM failed), "
                + "audit AS (INSERT INTO public.audit_log (principal, run_id, action, detail) "
                + "SELECT principal, id, 'run.resuming', jsonb_build_object('worker', lease_owner, 'recoveries', "
                + "recoveries) FROM resumed UNION ALL "
                + "SELECT principal, id, 'run.worker_lost', jsonb_build_object('worker', lease_owner, 'reason', reason) "
                + "FROM failed) "
                + "SELECT id, true AS resumed FROM resumed UNION ALL SELECT id, false FROM failed";
        RowSet<Row> rows = await(pool.get().preparedQuery(sweep).execute(Tuple.of(liveWorker, maxRecoveries,
                failGrace.toMillis())));
        List<String> resumed = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        rows.forEach(row -> (row.getBoolean("resumed") ? resumed : failed).add(row.getString("id")));
        return new LeaseSweep(resumed, failed);
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

    public void audit(AuditEntry entry) {
        await(insertAudit(pool.get(), entry));
    }

    private static Future<?> insertSteps(SqlConnection conn, String runId, long epoch, List<JournalStep> steps) {
        if (steps.isEmpty()) {
            return Future.succeededFuture();
        }
        return conn.preparedQuery("INSERT INTO public.run_steps (run_id, seq, kind, payload, epoch) "
                + "SELECT $1, s.seq, s.kind, s.payload::jsonb, $2 FROM unnest($3::int[], $4::text[], $5::text[]) "
                + "AS s(seq, kind, payload)").execute(Tuple.tuple().addString(runId).addLong(epoch)
                .addArrayOfInteger(steps.stream().map(JournalStep::seq).toArray(Integer[]::new))
                .addArrayOfString(steps.stream().map(JournalStep::kind).toArray(String[]::new))
                .addArrayOfString(steps.stream().map(JournalStep::payloadJson).toArray(String[]::new)));
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

    private static Future<?> insertAudit(SqlConnection conn, List<AuditEntry> entries) {
        if (entries.isEmpty()) {
            return Future.succeededFuture();
        }
        return conn.preparedQuery(INSERT_AUDIT).executeBatch(entries.stream().map(RunStore::auditTuple).toList());
    }

    private static Future<?> insertAudit(SqlClient client, AuditEntry entry) {
        return client.preparedQuery(INSERT_AUDIT).execute(auditTuple(entry));
    }

    private static final String INSERT_AUDIT =
            "INSERT INTO public.audit_log (principal, run_id, action, detail) VALUES ($1, $2, $3, $4::text::jsonb)";

    private static Tuple auditTuple(AuditEntry e) {
        return Tuple.of(e.principal(), e.runId(), e.action(), e.detailJson() == null ? "{}" : e.detailJson());
    }

    private Optional<RunRecord> one(String sql, Tuple args) {
        List<RunRecord> rows = list(sql, args);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    private List<RunRecord> list(String sql, Tuple args) {
        RowSet<Row> rows = await(pool.get().preparedQuery(sql).execute(args));
        List<RunRecord> runs = new ArrayList<>(rows.size());
        rows.forEach(row -> runs.add(RunRows.map(row)));
        return runs;
    }

    private <T> T await(Future<T> future) {
        return Blocking.await(future, timeout);
    }
}
