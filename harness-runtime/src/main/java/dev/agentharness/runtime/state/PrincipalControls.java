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
 * The kill switch's record ({@code public.principal_controls}, V10): whether a principal is suspended, by whom, when
 * and why. In the database so every replica sees it — submissions read it, the lease heartbeat reads it with each
 * renewed lease ({@link RunQueue#heartbeat}). Suspending and resuming are one statement each, with their audit line.
 */
@ApplicationScoped
public class PrincipalControls extends StoreStatements {

    /** A run failed because its principal is suspended (queued ones at the suspension, running ones when stopped). */
    public static final String REASON_SUSPENDED = "Suspended";

    /** A principal's control row; {@link #NONE} for one never suspended. */
    public record Control(String principal, boolean suspended, String suspendedBy, OffsetDateTime suspendedAt,
                          String reason, String resumedBy, OffsetDateTime resumedAt) {
    }

    /** What a suspension did: the control as it stands, and the queued runs it failed (they never start). */
    public record Suspension(Control control, List<String> failedQueuedRuns) {
    }

    private static final String COLUMNS = "principal, suspended, suspended_by, suspended_at, reason, resumed_by, "
            + "resumed_at";

    /**
     * Upsert the suspension, fail the principal's queued runs with their terminal journal step (as the lease sweep
     * does), audit each and the suspension itself. A run queued after this statement is refused at submission, or —
     * if its submission read the control just before — stopped by the first heartbeat after its claim.
     */
    private static final String SUSPEND = "WITH control AS (INSERT INTO public.principal_controls "
            + "(principal, suspended, suspended_by, suspended_at, reason, updated_at) VALUES ($1, true, $2, now(), $3, now()) "
            + "ON CONFLICT (principal) DO UPDATE SET suspended = true, suspended_by = EXCLUDED.suspended_by, "
            + "suspended_at = EXCLUDED.suspended_at, reason = EXCLUDED.reason, updated_at = now() "
            + "RETURNING " + COLUMNS + ")"
            + ", failed AS (UPDATE public.runs SET status = 'failed', reason = 'Suspended', completed_at = now(), "
            + "updated_at = now(), step_count = step_count + 1, last_step = 'run_failed' "
            + "WHERE principal = $1 AND status = 'queued' RETURNING id, step_count, lease_epoch)"
            + ", journal AS (INSERT INTO public.run_steps (run_id, seq, kind, payload, epoch) "
            + "SELECT id, step_count, 'run_failed', jsonb_build_object('status', 'failed', 'reason', 'Suspended', "
            + "'message', 'principal ' || $1::text || ' was suspended by ' || $2::text || ' before the run started'), "
            + "lease_epoch FROM failed)"
            + ", audit AS (INSERT INTO public.audit_log (principal, run_id, action, detail) "
            + "SELECT $1, NULL, 'principal.suspended', jsonb_build_object('by', $2::text, 'reason', $3::text, "
            + "'queued_runs_failed', (SELECT count(*) FROM failed)) "
            + "UNION ALL SELECT $1, id, 'run.failed', jsonb_build_object('reason', 'Suspended', 'by', $2::text) "
            + "FROM failed) "
            + "SELECT control.*, (SELECT array_agg(id) FROM failed) AS failed_runs FROM control";

    private static final String RESUME = "WITH control AS (UPDATE public.principal_controls SET suspended = false, "
            + "resumed_by = $2, resumed_at = now(), updated_at = now() WHERE principal = $1 AND suspended "
            + "RETURNING " + COLUMNS + ")"
            + ", audit AS (INSERT INTO public.audit_log (principal, run_id, action, detail) "
            + "SELECT principal, NULL, 'principal.resumed', jsonb_build_object('by', $2::text) FROM control) "
            + "SELECT * FROM control";

    @Inject
    public PrincipalControls(Database database) {
        this(database::pool, database.callTimeout());
    }

    public PrincipalControls(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30));
    }

    public PrincipalControls(Supplier<Pool> pool, Duration timeout) {
        super(pool, timeout);
    }

    /** For the CDI client proxy. */
    PrincipalControls() {
    }

    /** The principal's control row (one primary-key lookup); empty when it was never suspended. */
    public Optional<Control> find(String principal) {
        RowSet<Row> rows = await(pool.get().preparedQuery("SELECT " + COLUMNS + " FROM public.principal_controls "
                + "WHERE principal = $1").execute(Tuple.of(principal)));
        return rows.size() == 0 ? Optional.empty() : Optional.of(map(rows.iterator().next()));
    }

    /** Suspends {@code principal} (again: by, when and reason are replaced), audited with {@code admin}. */
    public Suspension suspend(String principal, String admin, String reason) {
        Row row = await(pool.get().preparedQuery(SUSPEND).execute(Tuple.of(principal, admin, reason))).iterator().next();
        List<String> failed = new ArrayList<>();
        String[] ids = row.getArrayOfStrings("failed_runs");
        if (ids != null) {
            failed.addAll(List.of(ids));
        }
        return new Suspension(map(row), failed);
    }

    /** Lifts a suspension; empty when {@code principal} was not suspended (nothing changed, nothing audited). */
    public Optional<Control> resume(String principal, String admin) {
        RowSet<Row> rows = await(pool.get().preparedQuery(RESUME).execute(Tuple.of(principal, admin)));
        return rows.size() == 0 ? Optional.empty() : Optional.of(map(rows.iterator().next()));
    }

    private static Control map(Row row) {
        return new Control(row.getString("principal"), row.getBoolean("suspended"), row.getString("suspended_by"),
                row.getOffsetDateTime("suspended_at"), row.getString("reason"), row.getString("resumed_by"),
                row.getOffsetDateTime("resumed_at"));
    }
}
