package dev.agentharness.runtime.state;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import io.opentelemetry.api.trace.Tracer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The run journal, {@code public.run_steps}: the single record of what a run did, step by step.
 *
 * <p>Appends are fenced: one statement updates the run's progress columns only where the run is still
 * {@code running} under this worker and lease epoch, and inserts the steps only for the row that update returned.
 * The update takes the run's row lock, so a concurrent claim by another replica either waits for this append to commit
 * (and then replays it) or commits first (and this append changes nothing) — never a step from a worker that lost the
 * lease, and no check-then-write window. The primary key {@code (run_id, seq)} refuses a second writer of the same
 * step besides. A {@code model_response} step also writes its row of {@code public.usage} (what the call used and
 * cost) in the same statement: a fenced-out worker bills nothing, and a replayed response, never appended again, is
 * billed once. (Model responses are always appended here — {@code recordDurably} — never left to the completion.)
 */
@ApplicationScoped
public class RunJournal extends StoreStatements {

    /** Who may write a run's journal: the worker holding its lease, under the epoch it claimed with. */
    public record Lease(String runId, String workerId, long epoch) {
    }

    private static final String APPEND = "WITH fence AS (UPDATE public.runs SET step_count = $4, last_step = $5, "
            + "turns = turns + $6, updated_at = CASE WHEN $7 THEN now() ELSE updated_at END "
            + "WHERE id = $1 AND status = 'running' AND lease_owner = $2 AND lease_epoch = $3 "
            + "RETURNING id, principal, agent, agent_version)"
            + ", written AS (INSERT INTO public.run_steps (run_id, seq, kind, payload, epoch) "
            + "SELECT fence.id, s.seq, s.kind, s.payload::jsonb, $3 FROM fence, "
            + "unnest($8::int[], $9::text[], $10::text[]) AS s(seq, kind, payload) RETURNING run_id, seq, kind, payload)"
            // Each model response's usage and cost, from the payload just written (agent/JournalSteps), in the same
            // statement: fenced like the step, and written once, as a replayed response is never appended again.
            + ", billed AS (INSERT INTO public.usage (run_id, seq, principal, agent, agent_version, model, input_tokens, "
            + "cached_input_tokens, output_tokens, cost_usd) "
            + "SELECT written.run_id, written.seq, fence.principal, fence.agent, fence.agent_version, "
            + "COALESCE(written.payload->>'model', ''), COALESCE((written.payload->>'input_tokens')::bigint, 0), "
            + "COALESCE((written.payload->>'cached_input_tokens')::bigint, 0), "
            + "COALESCE((written.payload->>'output_tokens')::bigint, 0), "
            + "COALESCE((written.payload->>'cost_usd')::numeric, 0) "
            + "FROM written, fence WHERE written.kind = 'model_response') "
            + "SELECT seq FROM written";

    private static final String STEPS = "SELECT seq, kind, payload::text AS payload, created_at FROM public.run_steps "
            + "WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";

    private final Tracer tracer;

    @Inject
    public RunJournal(Database database, Tracer tracer) {
        this(database::pool, database.callTimeout(), tracer);
    }

    public RunJournal(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30));
    }

    public RunJournal(Supplier<Pool> pool, Duration timeout) {
        this(pool, timeout, StatementSpans.NONE);
    }

    public RunJournal(Supplier<Pool> pool, Duration timeout, Tracer tracer) {
        super(pool, timeout);
        this.tracer = tracer;
    }

    /** For the CDI client proxy. */
    RunJournal() {
        this.tracer = StatementSpans.NONE;
    }

    /**
     * Appends {@code steps} (consecutive sequence numbers following the journal's last) in one statement, only while
     * {@code lease} is the run's current lease. {@code turns} is how many of them are model responses; those move the
     * run's {@code updated_at}, so the change feed (and the operator) sees progress once per turn, not per step.
     *
     * @return false when the lease is no longer this worker's: nothing was written
     */
    public boolean append(Lease lease, List<JournalStep> steps, int turns) {
        if (steps.isEmpty()) {
            return true;
        }
        JournalStep last = steps.getLast();
        Tuple values = withSteps(Tuple.tuple()
                .addString(lease.runId()).addString(lease.workerId()).addLong(lease.epoch())
                .addInteger(last.seq()).addString(last.kind()).addInteger(turns).addBoolean(turns > 0), steps);
        RowSet<Row> rows = StatementSpans.traced(tracer, "INSERT", "public.run_steps",
                () -> await(pool.get().preparedQuery(APPEND).execute(values)));
        return rows.rowCount() == steps.size();
    }

    /** The run's steps after {@code afterSeq}, at most {@code limit}, in order. */
    public List<JournalStep> after(String runId, int afterSeq, int limit) {
        return await(read(pool.get(), runId, afterSeq, limit));
    }

    /** Every step of the run, in order (the replay of a resumed run, the trace of a finished one). */
    public List<JournalStep> all(String runId) {
        return after(runId, 0, Integer.MAX_VALUE);
    }

    static Future<List<JournalStep>> read(SqlClient client, String runId, int afterSeq, int limit) {
        return client.preparedQuery(STEPS).execute(Tuple.of(runId, afterSeq, limit)).map(rows -> {
            List<JournalStep> steps = new ArrayList<>(rows.size());
            rows.forEach(row -> steps.add(new JournalStep(row.getInteger("seq"), row.getString("kind"),
                    row.getString("payload"), row.getOffsetDateTime("created_at"))));
            return steps;
        });
    }
}
