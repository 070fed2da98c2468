package dev.agentharness.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.RunStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RunStoreTest {

    private static final Duration LEASE = Duration.ofMinutes(5);
    private static TestDatabase db;
    private static Pool pool;
    private static RunStore runs;
    private static SessionStore sessions;

    @BeforeAll
    static void database() {
        db = TestDatabase.migrated();
        pool = db.pool();
        runs = new RunStore(pool);
        sessions = new SessionStore(pool);
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @Test
    void submit_stores_a_queued_run_its_session_and_an_audit_line() {
        String principal = principal();
        NewRun run = newRun(principal, "s-" + principal, null);

        SubmitOutcome outcome = runs.submit(run);

        assertTrue(outcome.created());
        RunRecord stored = outcome.run();
        assertEquals(RunStatus.QUEUED, stored.status());
        assertEquals(run.runId(), stored.runId());
        assertEquals("{\"message\": \"hello\"}", stored.requestJson());
        assertEquals(10, stored.maxTurns());
        assertNull(stored.timeoutSeconds());
        assertEquals(0, stored.attempts());
        assertNotNull(stored.createdAt());
        assertEquals(Optional.of(stored), runs.find(run.runId(), principal));
        assertTrue(sessions.find(run.sessionId(), principal).isPresent());
        assertEquals(1, auditCount(run.runId(), "run.submitted"));
    }

    @Test
    void another_principal_cannot_see_a_run() {
        RunRecord run = runs.submit(newRun(principal(), null, null)).run();

        assertTrue(runs.find(run.runId(), "someone-else").isEmpty());
        assertTrue(runs.findAny(run.runId()).isPresent());
        assertTrue(runs.trace(run.runId(), "someone-else").isEmpty());
    }

    @Test
    void twenty_five_concurrent_identical_submissions_make_exactly_one_run() throws Exception {
        String principal = principal();
        String key = "key-" + UUID.randomUUID();
        String sessionId = "s-" + UUID.randomUUID();
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<SubmitOutcome>> submissions = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            // Each retry carries a fresh run id, as a client retry would produce.
            NewRun run = newRun(principal, sessionId, key);
            submissions.add(() -> { start.await(); return runs.submit(run); });
        }

        List<SubmitOutcome> outcomes = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<SubmitOutcome>> futures = submissions.stream().map(threads::submit).toList();
            start.countDown();
            for (Future<SubmitOutcome> f : futures) {
                outcomes.add(f.get());
            }
        }

        assertEquals(1, outcomes.stream().filter(SubmitOutcome::created).count());
        assertEquals(1, outcomes.stream().map(o -> o.run().runId()).distinct().count());
        assertEquals(1, count("SELECT count(*) FROM public.runs WHERE principal = $1", principal));
        assertEquals(1, count("SELECT count(*) FROM public.sessions WHERE principal = $1", principal));
    }

    @Test
    void the_same_idempotency_key_for_another_principal_is_a_different_run() {
        String key = "shared-key";
        SubmitOutcome first = runs.submit(newRun(principal(), null, key));
        SubmitOutcome second = runs.submit(newRun(principal(), null, key));

        assertTrue(first.created());
        assertTrue(second.created());
    }

    @Test
    void the_same_session_id_for_another_principal_is_another_session() {
        String sessionId = "s-" + UUID.randomUUID();
        String alice = principal();
        String bob = principal();
        SubmitOutcome first = runs.submit(newRun(alice, sessionId, null));
        SubmitOutcome second = runs.submit(newRun(bob, sessionId, null));

        assertTrue(first.created());
        assertTrue(second.created(), "bob's run is accepted as for any unused id: the id tells him nothing");
        assertEquals(List.of(first.run().runId()), ids(sessions.runs(sessionId, alice)));
        assertEquals(List.of(second.run().runId()), ids(sessions.runs(sessionId, bob)));
        assertEquals(alice, sessions.find(sessionId, alice).orElseThrow().principal());
        assertEquals(bob, sessions.find(sessionId, bob).orElseThrow().principal());
        assertEquals(2, count("SELECT count(*) FROM public.sessions WHERE id = $1", sessionId));
    }

    @Test
    void two_workers_never_claim_the_same_run() throws Exception {
        drainQueue();
        String principal = principal();
        Set<String> submitted = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            submitted.add(runs.submit(newRun(principal, null, null)).run().runId());
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<List<RunRecord>>> workers = new ArrayList<>();
        for (String worker : List.of("worker-a", "worker-b")) {
            workers.add(() -> {
                start.await();
                List<RunRecord> mine = new ArrayList<>();
                List<RunRecord> batch;
                while (!(batch = runs.claimQueued(worker, 3, LEASE)).isEmpty()) {
                    mine.addAll(batch);
                }
                return mine;
            });
        }

        List<RunRecord> claimed = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<RunRecord>>> futures = workers.stream().map(threads::submit).toList();
            start.countDown();
            for (Future<List<RunRecord>> f : futures) {
                claimed.addAll(f.get());
            }
        }

        List<String> ids = claimed.stream().map(RunRecord::runId).toList();
        assertEquals(submitted, new HashSet<>(ids));
        assertEquals(ids.size(), new HashSet<>(ids).size(), "a run was claimed twice");
        for (RunRecord run : claimed) {
            assertEquals(RunStatus.RUNNING, run.status());
            assertEquals(1, run.attempts());
            assertNotNull(run.startedAt());
            assertTrue(run.leaseExpiresAt().isAfter(OffsetDateTime.now().plusMinutes(4)));
        }
    }

    @Test
    void claims_oldest_first() {
        drainQueue();
        String principal = principal();
        RunRecord older = runs.submit(newRun(principal, null, null)).run();
        RunRecord newer = runs.submit(newRun(principal, null, null)).run();

        List<RunRecord> claimed = runs.claimQueued("worker-order", 1, LEASE);

        assertEquals(List.of(older.runId()), claimed.stream().map(RunRecord::runId).toList());
        assertEquals(RunStatus.QUEUED, runs.findAny(newer.runId()).orElseThrow().status());
    }

    @Test
    void heartbeat_extends_only_the_runs_the_worker_is_executing() {
        drainQueue();
        String principal = principal();
        runs.submit(newRun(principal, null, null));
        runs.submit(newRun(principal, null, null));
        String worker = "worker-" + UUID.randomUUID();
        List<RunRecord> claimed = runs.claimQueued(worker, 2, Duration.ofSeconds(30));
        RunRecord executing = claimed.get(0);
        RunRecord abandoned = claimed.get(1); // claimed, but nothing on this replica executes it any more

        Set<String> held = runs.heartbeat(worker, List.of(executing.runId()), Duration.ofMinutes(10));

        assertEquals(Set.of(executing.runId()), held);
        RunRecord after = runs.findAny(executing.runId()).orElseThrow();
        assertTrue(after.leaseExpiresAt().isAfter(executing.leaseExpiresAt()));
        assertEquals(executing.updatedAt(), after.updatedAt(), "a heartbeat is not a state change");
        assertEquals(abandoned.leaseExpiresAt(), runs.findAny(abandoned.runId()).orElseThrow().leaseExpiresAt(),
                "a run the worker no longer executes is never renewed");
        assertEquals(Set.of(), runs.heartbeat("nobody-" + UUID.randomUUID(), List.of(executing.runId()), LEASE),
                "a lease held by another worker is not renewed, and the answer says so");
        assertEquals(Set.of(), runs.heartbeat(worker, List.of(), LEASE));
    }

    @Test
    void release_hands_a_running_run_back_to_the_queue_with_an_audit_line() {
        String worker = claimOne(LEASE);
        RunRecord running = runningOf(worker);

        assertEquals(List.of(running.runId()), runs.release(worker, List.of(running.runId())));

        RunRecord released = runs.findAny(running.runId()).orElseThrow();
        assertEquals(RunStatus.QUEUED, released.status());
        assertNull(released.leaseOwner());
        assertNull(released.leaseExpiresAt());
        assertEquals(running.attempts(), released.attempts(), "attempts are kept");
        assertEquals(1, auditCount(running.runId(), "run.released"));
        assertFalse(runs.complete(new RunCompletion(running.runId(), worker, RunStatus.SUCCEEDED, null, "late", 1, 1,
                0, false, "[]", List.of(), List.of())), "the releasing worker can no longer complete it");
        assertEquals(List.of(), runs.release("someone-else", List.of(running.runId())));
        List<RunRecord> reclaimed = runs.claimQueued("worker-next", 1, LEASE);
        assertEquals(List.of(running.runId()), reclaimed.stream().map(RunRecord::runId).toList());
        assertEquals(running.attempts() + 1, reclaimed.get(0).attempts());
    }

    @Test
    void an_expired_lease_within_the_grace_is_not_swept() throws Exception {
        String stalled = claimOne(Duration.ofMillis(1));
        RunRecord running = runningOf(stalled);
        Thread.sleep(5);

        assertFalse(runs.failExpiredLeases("WorkerLost", "sweeper", Duration.ofMinutes(1)).contains(running.runId()));
        assertEquals(RunStatus.RUNNING, runs.findAny(running.runId()).orElseThrow().status());
        assertTrue(runs.failExpiredLeases("WorkerLost", "sweeper", Duration.ZERO).contains(running.runId()));
    }

    @Test
    void complete_writes_run_trace_artifacts_session_and_audit_together() {
        String worker = claimOne(LEASE);
        RunRecord running = runningOf(worker);
        String principal = running.principal();
        OffsetDateTime sessionBefore = sessions.find(running.sessionId(), principal).orElseThrow().updatedAt();
        ArtifactRow reply = new ArtifactRow("reply.md", "outputs/" + running.runId() + "/reply.md", 42, "ab".repeat(32),
                "text/markdown");
        RunCompletion completion = new RunCompletion(running.runId(), worker, RunStatus.SUCCEEDED, null, "All done.",
                120, 30, 0.0042, true, "[{\"name\": \"agent\"}]", List.of(reply),
                List.of(new AuditEntry(principal, running.runId(), "run.succeeded", "{\"turns\": 2}")));

        assertTrue(runs.complete(completion));

        RunRecord done = runs.find(running.runId(), principal).orElseThrow();
        assertEquals(RunStatus.SUCCEEDED, done.status());
        assertEquals("All done.", done.reply());
        assertEquals(120, done.inputTokens());
        assertEquals(30, done.outputTokens());
        assertEquals(0.0042, done.costUsd(), 1e-12);
        assertTrue(done.usedSandbox());
        assertNotNull(done.completedAt());
        assertTrue(done.updatedAt().isAfter(running.updatedAt()));
        TraceRecord trace = runs.trace(running.runId(), principal).orElseThrow();
        assertEquals("trace-" + running.runId(), trace.traceId());
        assertEquals(new JsonArray("[{\"name\": \"agent\"}]"), new JsonArray(trace.traceJson()));
        assertEquals(List.of(reply), runs.artifacts(running.runId()));
        assertTrue(sessions.find(running.sessionId(), principal).orElseThrow().updatedAt().isAfter(sessionBefore));
        assertEquals(1, auditCount(running.runId(), "run.succeeded"));
        assertFalse(runs.complete(completion), "a run completes once");
    }

    @Test
    void complete_is_refused_when_another_worker_holds_the_lease() {
        String worker = claimOne(LEASE);
        RunRecord running = runningOf(worker);

        boolean completed = runs.complete(new RunCompletion(running.runId(), "impostor", RunStatus.FAILED, "Error",
                null, 0, 0, 0, false, "[]", List.of(new ArtifactRow("x", "k", 1, "s", "text/plain")),
                List.of(new AuditEntry(running.principal(), running.runId(), "run.failed", null))));

        assertFalse(completed);
        assertEquals(running, runs.findAny(running.runId()).orElseThrow());
        assertTrue(runs.trace(running.runId(), running.principal()).isEmpty());
        assertEquals(List.of(), runs.artifacts(running.runId()));
        assertEquals(0, auditCount(running.runId(), "run.failed"));
    }

    @Test
    void a_completion_the_database_refuses_for_its_content_is_a_rejection_not_an_outage() {
        String worker = claimOne(LEASE);
        RunRecord running = runningOf(worker);

        CompletionRejectedException rejected = assertThrows(CompletionRejectedException.class, () -> runs.complete(
                new RunCompletion(running.runId(), worker, RunStatus.SUCCEEDED, null, "nul \0 inside", 1, 1, 0, false,
                        "[]", List.of(), List.of())));

        assertEquals("22", rejected.sqlState().substring(0, 2), rejected.sqlState());
        assertEquals(RunStatus.RUNNING, runs.findAny(running.runId()).orElseThrow().status());
        // The harness then records a plain failure instead, which the database accepts.
        assertTrue(runs.complete(new RunCompletion(running.runId(), worker, RunStatus.FAILED, "CompletionRejected",
                null, 1, 1, 0, false, "[]", List.of(), List.of())));
    }

    @Test
    void a_failing_completion_rolls_back_everything() {
        String worker = claimOne(LEASE);
        RunRecord running = runningOf(worker);
        ArtifactRow artifact = new ArtifactRow("same.md", "k", 1, "s", "text/plain");

        // Two artifacts with one name violate unique(run_id, name) after the run row was already updated.
        assertThrows(RuntimeException.class, () -> runs.complete(new RunCompletion(running.runId(), worker,
                RunStatus.SUCCEEDED, null, "reply", 1, 1, 0, false, "[]", List.of(artifact, artifact), List.of())));

        assertEquals(RunStatus.RUNNING, runs.findAny(running.runId()).orElseThrow().status());
        assertTrue(runs.trace(running.runId(), running.principal()).isEmpty());
    }

    @Test
    void a_live_worker_never_sweeps_its_own_expired_leases_and_completes_them_after_an_outage() throws Exception {
        String survivor = claimOne(Duration.ofMillis(1)); // its lease ran out while it could not reach the database
        RunRecord running = runningOf(survivor);
        Thread.sleep(5);

        List<String> failed = runs.failExpiredLeases("WorkerLost", survivor, Duration.ZERO);

        assertFalse(failed.contains(running.runId()));
        assertEquals(RunStatus.RUNNING, runs.findAny(running.runId()).orElseThrow().status());
        assertTrue(runs.complete(new RunCompletion(running.runId(), survivor, RunStatus.SUCCEEDED, null, "late reply",
                1, 1, 0, false, "[]", List.of(), List.of())), "its result still counts");
        assertEquals("late reply", runs.findAny(running.runId()).orElseThrow().reply());
    }

    @Test
    void expired_leases_fail_with_worker_lost_and_are_audited() {
        String worker = claimOne(Duration.ofMillis(1));
        RunRecord running = runningOf(worker);
        String healthy = claimOne(LEASE);

        List<String> failed = runs.failExpiredLeases("WorkerLost");

        assertTrue(failed.contains(running.runId()));
        assertFalse(failed.contains(runningOf(healthy).runId()));
        RunRecord lost = runs.findAny(running.runId()).orElseThrow();
        assertEquals(RunStatus.FAILED, lost.status());
        assertEquals("WorkerLost", lost.reason());
        assertNotNull(lost.completedAt());
        assertEquals(1, auditCount(running.runId(), "run.worker_lost"));
        assertFalse(runs.failExpiredLeases("WorkerLost").contains(running.runId()), "failed once");
    }

    @Test
    void cancelling_a_queued_run_cancels_it_at_once() {
        RunRecord queued = runs.submit(newRun(principal(), null, null)).run();

        RunRecord cancelled = runs.requestCancel(queued.runId(), queued.principal()).orElseThrow();

        assertEquals(RunStatus.CANCELLED, cancelled.status());
        assertEquals("Cancelled", cancelled.reason());
        assertNotNull(cancelled.completedAt());
        assertEquals(1, auditCount(queued.runId(), "run.cancelled"));
        assertTrue(runs.claimQueued("worker-cancel", 1000, LEASE).stream().noneMatch(r -> r.runId().equals(queued.runId())));
    }

    @Test
    void cancelling_a_running_run_asks_its_worker_to_stop() {
        String worker = claimOne(LEASE);
        RunRecord running = runningOf(worker);
        assertFalse(runs.cancelRequested(running.runId()));

        RunRecord requested = runs.requestCancel(running.runId(), running.principal()).orElseThrow();

        assertEquals(RunStatus.RUNNING, requested.status());
        assertTrue(requested.cancelRequested());
        assertTrue(runs.cancelRequested(running.runId()));
        assertEquals(1, auditCount(running.runId(), "run.cancel_requested"));
    }

    @Test
    void cancelling_a_finished_run_changes_nothing_and_unknown_runs_are_empty() {
        String worker = claimOne(LEASE);
        RunRecord running = runningOf(worker);
        runs.complete(new RunCompletion(running.runId(), worker, RunStatus.SUCCEEDED, null, "ok", 1, 1, 0, false,
                "[]", List.of(), List.of()));
        RunRecord finished = runs.findAny(running.runId()).orElseThrow();

        assertEquals(Optional.of(finished), runs.requestCancel(running.runId(), running.principal()));
        assertTrue(runs.requestCancel(running.runId(), "someone-else").isEmpty());
        assertTrue(runs.requestCancel("no-such-run", running.principal()).isEmpty());
        assertFalse(runs.cancelRequested("no-such-run"));
    }

    @Test
    void the_feed_lists_changes_oldest_first_from_an_inclusive_start() {
        String principal = principal();
        RunRecord a = runs.submit(newRun(principal, null, null)).run();
        RunRecord b = runs.submit(newRun(principal, null, null)).run();
        RunRecord c = runs.submit(newRun(principal, null, null)).run();
        RunRecord aCancelled = runs.requestCancel(a.runId(), principal).orElseThrow();

        assertEquals(List.of(b.runId(), c.runId(), a.runId()), ids(runs.changedAfter(principal, null, 100)));
        assertEquals(List.of(b.runId(), c.runId(), a.runId()), ids(changedSince(principal, b.updatedAt())));
        assertEquals(List.of(c.runId(), a.runId()), ids(changedSince(principal, c.updatedAt())));
        assertEquals(List.of(a.runId()), ids(changedSince(principal, aCancelled.updatedAt())));
        assertEquals(List.of(b.runId(), c.runId()), ids(runs.changedAfter(principal, null, 2)));
        assertEquals(List.of(c.runId(), a.runId()), ids(runs.changedAfter(principal, FeedPosition.after(b), 100)));
        assertEquals(List.of(), ids(runs.changedAfter("nobody-" + UUID.randomUUID(), null, 100)));
    }

    @Test
    void pages_smaller_than_a_group_sharing_one_timestamp_visit_every_run_exactly_once() {
        // A claim batch or a lease sweep stamps many runs in one transaction: one updated_at for all of them.
        String principal = principal();
        RunRecord before = runs.submit(newRun(principal, null, null)).run();
        List<String> group = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            group.add(runs.submit(newRun(principal, null, null)).run().runId());
        }
        RunRecord after = runs.submit(newRun(principal, null, null)).run();
        OffsetDateTime shared = after.updatedAt().plusSeconds(1);
        execute("UPDATE public.runs SET updated_at = $1 WHERE id = ANY($2)", Tuple.of(shared).addArrayOfString(group.toArray(String[]::new)));
        execute("UPDATE public.runs SET updated_at = $1 WHERE id = $2", Tuple.of(shared.plusSeconds(1), after.runId()));

        List<String> visited = new ArrayList<>();
        FeedPosition position = FeedPosition.startingAt(before.updatedAt());
        for (int page = 0; page < 20; page++) {
            List<RunRecord> changes = runs.changedAfter(principal, position, 3);
            if (changes.isEmpty()) {
                break;
            }
            visited.addAll(ids(changes));
            position = FeedPosition.after(changes.getLast());
        }

        assertEquals(9, visited.size(), visited.toString());
        assertEquals(before.runId(), visited.getFirst());
        assertEquals(Set.copyOf(group), Set.copyOf(visited.subList(1, 8)), "each of the group exactly once");
        assertEquals(after.runId(), visited.getLast());
    }

    @Test
    void session_history_lists_runs_in_creation_order_for_the_owner_only() {
        String principal = principal();
        String sessionId = "s-" + UUID.randomUUID();
        RunRecord first = runs.submit(newRun(principal, sessionId, null)).run();
        RunRecord second = runs.submit(newRun(principal, sessionId, null)).run();

        assertEquals(List.of(first.runId(), second.runId()), ids(sessions.runs(sessionId, principal)));
        assertEquals(List.of(), sessions.runs(sessionId, "someone-else"));
        assertTrue(sessions.find(sessionId, "someone-else").isEmpty());
    }

    @Test
    void audit_appends_an_entry() {
        String runId = "audit-" + UUID.randomUUID();

        runs.audit(new AuditEntry("alice", runId, "run.viewed", "{\"via\": \"api\"}"));
        runs.audit(new AuditEntry(null, runId, "run.viewed", null));

        assertEquals(2, auditCount(runId, "run.viewed"));
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    /** Submits a run and claims it with a fresh worker id; the queue is drained first so the claim is this run. */
    private static String claimOne(Duration lease) {
        drainQueue();
        runs.submit(newRun(principal(), null, null));
        String worker = "worker-" + UUID.randomUUID();
        assertEquals(1, runs.claimQueued(worker, 1, lease).size());
        return worker;
    }

    private static RunRecord runningOf(String worker) {
        return runs.findAny(Blocking.await(pool.preparedQuery("SELECT id FROM public.runs WHERE lease_owner = $1")
                .execute(Tuple.of(worker)), Duration.ofSeconds(10)).iterator().next().getString("id")).orElseThrow();
    }

    /** Tests share one database: park leftovers from other tests so queue assertions see only their own runs. */
    private static void drainQueue() {
        while (!runs.claimQueued("drain", 100, LEASE).isEmpty()) {
            // keep claiming
        }
    }

    private static NewRun newRun(String principal, String sessionId, String idempotencyKey) {
        String runId = "run-" + UUID.randomUUID();
        return new NewRun(runId, sessionId != null ? sessionId : "s-" + runId, principal, "maya", "gpt-5.4-mini",
                "hello", "{\"message\":\"hello\"}", "hash-1", idempotencyKey, 10, null, false, "trace-" + runId);
    }

    private static String principal() {
        return "user-" + UUID.randomUUID();
    }

    private static List<RunRecord> changedSince(String principal, OffsetDateTime since) {
        return runs.changedAfter(principal, FeedPosition.startingAt(since), 100);
    }

    private static List<String> ids(List<RunRecord> records) {
        return records.stream().map(RunRecord::runId).toList();
    }

    private static long auditCount(String runId, String action) {
        return count("SELECT count(*) FROM public.audit_log WHERE run_id = $1 AND action = $2", runId, action);
    }

    private static void execute(String sql, Tuple args) {
        Blocking.await(pool.preparedQuery(sql).execute(args), Duration.ofSeconds(10));
    }

    private static long count(String sql, Object... args) {
        return Blocking.await(pool.preparedQuery(sql).execute(Tuple.from(args)), Duration.ofSeconds(10))
                .iterator().next().getLong(0);
    }
}
