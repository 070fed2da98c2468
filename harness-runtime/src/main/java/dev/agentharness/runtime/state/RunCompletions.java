package dev.agentharness.runtime.state;

import dev.agentharness.api.RunStatus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import io.opentelemetry.api.trace.Tracer;
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

    private final Tracer tracer;

    @Inject
    public RunCompletions(Database database, Tracer tracer) {
        this(database::pool, database.callTimeout(), tracer);
    }

    public RunCompletions(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30));
    }

    public RunCompletions(Supplier<Pool> pool, Duration timeout) {
        this(pool, timeout, StatementSpans.NONE);
    }

    public RunCompletions(Supplier<Pool> pool, Duration timeout, Tracer tracer) {
        super(pool, timeout);
        this.tracer = tracer;
    }

    /**
     * The whole completion in one statement (one round trip; a statement is its own transaction): the run's final
     * state, guarded by the lease, and — only when that row was updated — its trace, its last journal steps, its
     * artifacts, the session's {@code updated_at} and the audit lines, each a data-modifying CTE fed by the
     * {@code finished} row and {@code unnest}ed arrays. Foreign keys are checked at the end of the statement.
     */
    private static final String COMPLETE = "WITH finished AS (UPDATE public.runs SET status = $3, reason = $4, "
            + "reply = $5, input_tokens = $6, output_tokens = $7, cost_usd = $8, used_sandbox = $9, "
            + "artifact_error = $10, completed_at = now(), updated_at = now(), lease_expires_at = NULL, "
            + "step_count = GREATEST(step_count, $11), last_step = COALESCE($12, last_step), sampled_to_phoenix = $26, "
            + "cached_input_tokens = $27 "
            + "WHERE id = $1 AND status = 'running' AND lease_owner = $2 "
            + "RETURNING " + RunRows.COLUMNS + ")"
            + ", trace AS (INSERT INTO public.traces (run_id, trace_id, spans) "
            + "SELECT id, trace_id, $13::text::jsonb FROM finished)"
            + ", steps AS (INSERT INTO public.run_steps (run_id, seq, kind, payload, epoch) "
            + "SELECT finished.id, s.seq, s.kind, s.payload::jsonb, finished.lease_epoch FROM finished, "
            + "unnest($14::int[], $15::text[], $16::text[]) AS s(seq, kind, payload))"
            + ", stored AS (INSERT INTO public.artifacts (run_id, name, key, size, sha256, content_type) "
            + "SELECT finished.id, a.name, a.key, a.size, a.sha256, a.content_type FROM finished, "
            + "unnest($17::text[], $18::text[], $19::bigint[], $20::text[], $21::text[]) "
            + "AS a(name, key, size, sha256, content_type))"
            + ", touched AS (UPDATE public.sessions SET updated_at = now() FROM finished "
            + "WHERE public.sessions.principal = finished.principal AND public.sessions.id = finished.session_id)"
            + ", audited AS (INSERT INTO public.audit_log (principal, run_id, action, detail) "
            + "SELECT e.principal, e.run_id, e.action, e.detail::jsonb FROM finished, "
            + "unnest($22::text[], $23::text[], $24::text[], $25::text[]) AS e(principal, run_id, action, detail)) "
            + "SELECT * FROM finished";

    /**
     * Final state, trace, last journal steps, artifacts, session updated_at, audit — atomically, in one statement.
     * Only while the run is still running under {@code workerId}'s lease; otherwise nothing changes and the answer is
     * false.
     *
     * @throws CompletionRejectedException when the database refuses the values themselves (never an outage)
     */
    public boolean complete(RunCompletion completion) {
        return finish(completion).isPresent();
    }

    /** As {@link #complete}, answering with the run as it now stands (empty when the lease had moved). */
    public Optional<RunRecord> finish(RunCompletion completion) {
        if (!completion.status().terminal()) {
            throw new IllegalArgumentException("a run completes with a terminal status, not " + completion.status());
        }
        try {
            var rows = StatementSpans.traced(tracer, "UPDATE", "public.runs",
                    () -> await(pool.get().preparedQuery(COMPLETE).execute(values(completion))));
            return rows.size() == 0 ? Optional.empty() : Optional.of(RunRows.map(rows.iterator().next()));
        } catch (PgException e) {
            if (CompletionRejectedException.permanent(e.getSqlState())) {
                throw new CompletionRejectedException(e.getSqlState(), e);
            }
            throw e;
        }
    }

    private static Tuple values(RunCompletion c) {
        Tuple values = Tuple.tuple()
                .addString(c.runId()).addString(c.workerId()).addString(c.status().wire()).addString(c.reason())
                .addString(c.reply()).addLong(c.inputTokens()).addLong(c.outputTokens()).addDouble(c.costUsd())
                .addBoolean(c.usedSandbox()).addString(c.artifactError())
                .addInteger(c.steps().isEmpty() ? 0 : c.steps().getLast().seq())
                .addString(c.steps().isEmpty() ? null : c.steps().getLast().kind())
                .addString(c.traceJson() == null ? "[]" : c.traceJson());
        withSteps(values, c.steps());
        List<ArtifactRow> artifacts = c.artifacts();
        values.addArrayOfString(artifacts.stream().map(ArtifactRow::name).toArray(String[]::new))
                .addArrayOfString(artifacts.stream().map(ArtifactRow::key).toArray(String[]::new))
                .addArrayOfLong(artifacts.stream().map(ArtifactRow::size).toArray(Long[]::new))
                .addArrayOfString(artifacts.stream().map(ArtifactRow::sha256).toArray(String[]::new))
                .addArrayOfString(artifacts.stream().map(ArtifactRow::contentType).toArray(String[]::new));
        List<AuditEntry> audit = c.audit();
        return values.addArrayOfString(audit.stream().map(AuditEntry::principal).toArray(String[]::new))
                .addArrayOfString(audit.stream().map(AuditEntry::runId).toArray(String[]::new))
                .addArrayOfString(audit.stream().map(AuditEntry::action).toArray(String[]::new))
                .addArrayOfString(audit.stream().map(e -> e.detailJson() == null ? "{}" : e.detailJson())
                        .toArray(String[]::new))
                .addBoolean(c.sampledToPhoenix()).addLong(c.cachedInputTokens());
    }

    /**
     * Queued → cancelled at once; running → {@code cancel_requested} (the worker stops at its next check);
     * terminal → unchanged. Empty when the run does not exist for {@code principal}.
     */
    public Optional<RunRecord> requestCancel(String runId, String principal) {
        return cancel(runId, principal).map(Cancel::run);
    }

    /** What a cancel did: the run as it stands now, and whether this cancel ended it (it was still queued). */
    public record Cancel(RunRecord run, boolean endedQueued) {
    }

    /** As {@link #requestCancel}, saying whether this very call ended the run (so it is counted once, here). */
    public Optional<Cancel> cancel(String runId, String principal) {
        return await(pool.get().withTransaction(conn -> conn
                .preparedQuery(SELECT_RUN + "WHERE id = $1 AND principal = $2 FOR UPDATE")
                .execute(Tuple.of(runId, principal))
                .compose(rows -> {
                    if (rows.size() == 0) {
                        return Future.succeededFuture(Optional.<Cancel>empty());
                    }
                    RunRecord current = RunRows.map(rows.iterator().next());
                    return cancel(conn, current).map(changed -> Optional.of(new Cancel(changed,
                            current.status() == RunStatus.QUEUED && changed.status() == RunStatus.CANCELLED)));
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
}
