package dev.agentharness.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The run stores on one fresh migrated database (per test class), and what their tests share: runs in a given state,
 * row counts, raw statements. Tests share the database, so each makes its own principal, worker ids and runs.
 */
final class RunFixture implements AutoCloseable {

    static final Duration LEASE = Duration.ofMinutes(5);
    private static final Duration SQL_TIMEOUT = Duration.ofSeconds(10);

    final TestDatabase db;
    final Pool pool;
    final RunSubmissions submissions;
    final RunQueue queue;
    final RunCompletions completions;
    final RunReads reads;
    final RunJournal journal;
    final SessionStore sessions;

    private RunFixture(TestDatabase db) {
        this.db = db;
        this.pool = db.pool();
        this.submissions = new RunSubmissions(pool);
        this.queue = new RunQueue(pool);
        this.completions = new RunCompletions(pool);
        this.reads = new RunReads(pool);
        this.journal = new RunJournal(pool);
        this.sessions = new SessionStore(pool);
    }

    static RunFixture migrated() {
        return new RunFixture(TestDatabase.migrated());
    }

    /** Submits a run and claims it with a fresh worker id; the queue is drained first so the claim is this run. */
    String claimOne(Duration lease) {
        return claimOne("worker-" + UUID.randomUUID(), lease);
    }

    /** As {@link #claimOne(Duration)}, claimed by {@code worker}. */
    String claimOne(String worker, Duration lease) {
        drainQueue();
        submissions.submit(newRun(principal(), null, null));
        assertEquals(1, queue.claimQueued(worker, 1, lease).size());
        return worker;
    }

    /** The lease {@code worker} holds on its one running run (as a worker knows it from its claim). */
    RunJournal.Lease leaseOf(String worker) {
        RunRecord run = runningOf(worker);
        return new RunJournal.Lease(run.runId(), worker, run.leaseEpoch());
    }

    /** A journal row as stored, with the lease epoch it was written under (which {@link JournalStep} leaves out). */
    record StoredStep(int seq, String kind, long epoch) {
    }

    /** The run's journal rows, in order. */
    List<StoredStep> storedSteps(String runId) {
        List<StoredStep> steps = new ArrayList<>();
        execute("SELECT seq, kind, epoch FROM public.run_steps WHERE run_id = $1 ORDER BY seq", Tuple.of(runId))
                .forEach(row -> steps.add(new StoredStep(row.getInteger("seq"), row.getString("kind"),
                        row.getLong("epoch"))));
        return steps;
    }

    RunRecord runningOf(String worker) {
        return reads.findAny(Blocking.await(pool.preparedQuery("SELECT id FROM public.runs WHERE lease_owner = $1")
                .execute(Tuple.of(worker)), SQL_TIMEOUT).iterator().next().getString("id")).orElseThrow();
    }

    /** Tests share one database: park leftovers from other tests so queue assertions see only their own runs. */
    void drainQueue() {
        while (!queue.claimQueued("drain", 100, LEASE).isEmpty()) {
            // keep claiming
        }
    }

    /** Moves the run's lease expiry {@code ago} into the past, as if its worker had stopped renewing it then. */
    void expireLease(String runId, Duration ago) {
        execute("UPDATE public.runs SET lease_expires_at = now() - $2::bigint * interval '1 millisecond' WHERE id = $1",
                Tuple.of(runId, ago.toMillis()));
    }

    static NewRun newRun(String principal, String sessionId, String idempotencyKey) {
        String runId = "run-" + UUID.randomUUID();
        return new NewRun(runId, sessionId != null ? sessionId : "s-" + runId, principal, "maya", "gpt-5.4-mini",
                "hello", "{\"message\":\"hello\"}", "hash-1", idempotencyKey, 10, null, false, "trace-" + runId);
    }

    static String principal() {
        return "user-" + UUID.randomUUID();
    }

    static List<String> ids(List<RunRecord> records) {
        return records.stream().map(RunRecord::runId).toList();
    }

    long auditCount(String runId, String action) {
        return count("SELECT count(*) FROM public.audit_log WHERE run_id = $1 AND action = $2", runId, action);
    }

    RowSet<Row> execute(String sql, Tuple args) {
        return Blocking.await(pool.preparedQuery(sql).execute(args), SQL_TIMEOUT);
    }

    long count(String sql, Object... args) {
        return execute(sql, Tuple.from(args)).iterator().next().getLong(0);
    }

    @Override
    public void close() {
        db.close();
    }
}
