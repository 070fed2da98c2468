package dev.agentharness.runtime.state;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The worker queue (SPEC §4): claims, leases and their renewal, release on a drain, and the sweep of expired leases
 * (resume or fail). Blocking API; statements are schema-qualified and free of session state (PgBouncer).
 */
@ApplicationScoped
public class RunQueue extends StoreStatements {

    @Inject
    public RunQueue(Database database) {
        this(database::pool, database.callTimeout());
    }

    public RunQueue(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30));
    }

    public RunQueue(Supplier<Pool> pool, Duration timeout) {
        super(pool, timeout);
    }

    /** Advisory-lock class of claims under in-flight limits (two-key form, second key 0): one claimer at a time. */
    static final int CLAIM_LOCK_CLASS = 0x41484331;

    private static final String SET_CLAIMED = "UPDATE public.runs r SET status = 'running', "
            + "started_at = COALESCE(r.started_at, now()), attempts = r.attempts + 1, lease_epoch = r.lease_epoch + 1, "
            + "lease_owner = $1, lease_expires_at = now() + $3::bigint * interval '1 millisecond', updated_at = now() ";

    /**
     * The fair claim: the principals with queued runs (a loose scan of {@code runs_active_principal_idx}, one index
     * probe per principal), each one's oldest runs up to its remaining in-flight allowance ($6 by default, $4/$5 per
     * principal; no bound when null), numbered per principal; the claim takes the lowest numbers first — round robin
     * across principals, oldest first within one — so one principal's backlog never starves another's first run.
     * Window functions cannot share a level with {@code FOR UPDATE}, hence the lock in its own step.
     */
    static final String FAIR_CLAIM = "WITH RECURSIVE queued_principals AS ("
            + "SELECT min(principal) AS principal FROM public.runs WHERE status = 'queued' "
            + "UNION ALL SELECT (SELECT min(q.principal) FROM public.runs q WHERE q.status = 'queued' "
            + "AND q.principal > p.principal) FROM queued_principals p WHERE p.principal IS NOT NULL)"
            + ", allowance AS (SELECT p.principal, COALESCE(o.max_in_flight, $6::int) AS max_in_flight "
            + "FROM queued_principals p LEFT JOIN unnest($4::text[], $5::int[]) AS o(principal, max_in_flight) "
            + "ON o.principal = p.principal WHERE p.principal IS NOT NULL)"
            + ", candidates AS (SELECT c.id, c.created_at, c.turn FROM allowance a CROSS JOIN LATERAL ("
            + "SELECT q.id, q.created_at, row_number() OVER (ORDER BY q.created_at, q.id) AS turn FROM public.runs q "
            + "WHERE q.status = 'queued' AND q.principal = a.principal ORDER BY q.created_at, q.id "
            + "LIMIT CASE WHEN a.max_in_flight IS NULL THEN $2::int ELSE LEAST($2::int, GREATEST(0, a.max_in_flight "
            + "- (SELECT count(*) FROM public.runs x WHERE x.status = 'running' AND x.principal = a.principal))) END"
            + ") c)"
            // Only the first turns are looked up and locked: twice the batch, so that a concurrent claimer's locked
            // rows leave enough behind.
            + ", first_turns AS (SELECT id, created_at, turn FROM candidates ORDER BY turn, created_at, id "
            + "LIMIT 2 * $2::int)"
            + ", claimable AS (SELECT r.id AS claim_id FROM public.runs r JOIN first_turns c ON c.id = r.id "
            + "WHERE r.status = 'queued' ORDER BY c.turn, c.created_at, c.id LIMIT $2 FOR UPDATE OF r SKIP LOCKED) "
            + SET_CLAIMED + "FROM claimable c WHERE r.id = c.claim_id RETURNING " + RunRows.COLUMNS;

    /** Claims up to {@code limit} queued runs, fairly across principals, with no in-flight bound. */
    public List<RunRecord> claimQueued(String workerId, int limit, Duration lease) {
        return claimQueued(workerId, limit, lease, InFlightLimits.NONE);
    }

    /**
     * Claims up to {@code limit} queued runs in one statement: round robin across principals, oldest first within
     * each, never more running runs of a principal than {@code inFlight} allows. {@code SKIP LOCKED} lets concurrent
     * workers pass over each other's rows, so no run is ever claimed twice. With in-flight bounds the claim first
     * takes a transaction-scoped advisory lock, so two claimers on any replicas cannot both count the same free
     * slot; without them claimers do not wait for each other.
     */
    public List<RunRecord> claimQueued(String workerId, int limit, Duration lease, InFlightLimits inFlight) {
        List<Map.Entry<String, Integer>> overrides = List.copyOf(inFlight.overrides().entrySet());
        Tuple args = Tuple.tuple().addString(workerId).addInteger(limit).addLong(lease.toMillis())
                .addArrayOfString(overrides.stream().map(Map.Entry::getKey).toArray(String[]::new))
                .addArrayOfInteger(overrides.stream().map(Map.Entry::getValue).toArray(Integer[]::new))
                .addInteger(inFlight.defaultMax().isPresent() ? inFlight.defaultMax().getAsInt() : null);
        RowSet<Row> rows = inFlight.any()
                ? await(pool.get().withTransaction(conn -> conn
                        .preparedQuery("SELECT pg_advisory_xact_lock($1, 0)").execute(Tuple.of(CLAIM_LOCK_CLASS))
                        .compose(locked -> conn.preparedQuery(FAIR_CLAIM).execute(args))))
                : await(pool.get().preparedQuery(FAIR_CLAIM).execute(args));
        List<RunRecord> claimed = new ArrayList<>(rows.size());
        rows.forEach(row -> claimed.add(RunRows.map(row)));
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
        return heartbeat(pool.get(), workerId, runIds, lease).held();
    }

    /**
     * The runs whose leases a heartbeat renewed, those of them a caller asked to cancel, and those whose principal is
     * suspended (the kill switch: they stop at once).
     */
    public record Heartbeat(Set<String> held, Set<String> cancelRequested, Set<String> suspended) {

        public Heartbeat(Set<String> held, Set<String> cancelRequested) {
            this(held, cancelRequested, Set.of());
        }
    }

    /**
     * As {@link #heartbeat(String, Collection, Duration)} on {@code client} (the dispatcher's own lease connection),
     * reading with each renewed lease whether the run was asked to cancel: a cancel that reached another replica
     * stops the run here by the next heartbeat, and no turn of any run asks the database.
     */
    public Heartbeat heartbeat(SqlClient client, String workerId, Collection<String> runIds, Duration lease) {
        // Even with nothing in flight the statement runs: it is also how the worker learns the database answers.
        RowSet<Row> rows = await(client.preparedQuery("UPDATE public.runs "
                        + "SET lease_expires_at = now() + $3::bigint * interval '1 millisecond' "
                        + "WHERE id = ANY($2::text[]) AND status = 'running' AND lease_owner = $1 "
                        // The kill switch reaches runs on every replica here: one primary-key probe per held run.
                        + "RETURNING id, cancel_requested, EXISTS (SELECT 1 FROM public.principal_controls c "
                        + "WHERE c.principal = runs.principal AND c.suspended) AS suspended")
                .execute(Tuple.of(workerId, runIds.toArray(String[]::new), lease.toMillis())));
        Set<String> held = new HashSet<>();
        Set<String> cancelRequested = new HashSet<>();
        Set<String> suspended = new HashSet<>();
        rows.forEach(row -> {
            held.add(row.getString("id"));
            if (Boolean.TRUE.equals(row.getBoolean("cancel_requested"))) {
                cancelRequested.add(row.getString("id"));
            }
            if (Boolean.TRUE.equals(row.getBoolean("suspended"))) {
                suspended.add(row.getString("id"));
            }
        });
        return new Heartbeat(held, cancelRequested, suspended);
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

    /** How many runs wait in the queue now (all replicas'; an index-only count on {@code (status, created_at)}). */
    public long queuedCount() {
        RowSet<Row> rows = await(pool.get().query("SELECT count(*) AS queued FROM public.runs WHERE status = 'queued'")
                .execute());
        return rows.iterator().next().getLong("queued");
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
                + "AND lease_owner IS DISTINCT FROM $1::text FOR UPDATE SKIP LOCKED)"
                + ", resumed AS (UPDATE public.runs r SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, "
                + "recoveries = r.recoveries + 1, updated_at = now() FROM expired e "
                + "WHERE r.id = e.id AND e.recoveries < $2 RETURNING r.id, r.principal, e.lease_owner, r.recoveries)"
                + ", failed AS (UPDATE public.runs r SET status = 'failed', "
                + "reason = CASE WHEN $2 = 0 THEN 'WorkerLost' ELSE 'RecoveryAttemptsExceeded' END, "
                + "completed_at = now(), updated_at = now(), lease_expires_at = NULL, "
                + "step_count = e.step_count + 1, last_step = 'run_failed' FROM expired e "
                + "WHERE r.id = e.id AND e.recoveries >= $2 "
                + "AND e.lease_expires_at < now() - $3::bigint * interval '1 millisecond' "
                + "RETURNING r.id, r.principal, e.lease_owner, r.reason, r.step_count, r.lease_epoch, r.recoveries)"
                + ", journal AS (INSERT INTO public.run_steps (run_id, seq, kind, payload, epoch) "
                + "SELECT id, step_count, 'run_failed', jsonb_build_object('status', 'failed', 'reason', reason, "
                + "'message', CASE WHEN $2 = 0 THEN 'the worker executing the run stopped renewing its lease' "
                + "ELSE 'the run lost its worker again after ' || recoveries || ' recoveries' END), lease_epoch "
                + "FROM failed)"
                + ", audit AS (INSERT INTO public.audit_log (principal, run_id, action, detail) "
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
}
