package dev.agentharness.runtime.state;

import static dev.agentharness.runtime.state.RunFixture.LEASE;
import static dev.agentharness.runtime.state.RunFixture.ids;
import static dev.agentharness.runtime.state.RunFixture.newRun;
import static dev.agentharness.runtime.state.RunFixture.principal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.RunStatus;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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

/** {@link RunQueue}: claims, leases, release and the sweeps, on real PostgreSQL (direct and through PgBouncer). */
class RunQueueTest {

    private static RunFixture fixture;
    private static RunSubmissions submissions;
    private static RunQueue queue;
    private static RunCompletions completions;
    private static RunReads reads;

    @BeforeAll
    static void database() {
        fixture = RunFixture.migrated();
        submissions = fixture.submissions;
        queue = fixture.queue;
        completions = fixture.completions;
        reads = fixture.reads;
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    @Test
    void two_workers_never_claim_the_same_run() throws Exception {
        fixture.drainQueue();
        String principal = principal();
        Set<String> submitted = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            submitted.add(submissions.submit(newRun(principal, null, null)).run().runId());
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<List<RunRecord>>> workers = new ArrayList<>();
        for (String worker : List.of("worker-a", "worker-b")) {
            workers.add(() -> {
                start.await();
                List<RunRecord> mine = new ArrayList<>();
                List<RunRecord> batch;
                while (!(batch = queue.claimQueued(worker, 3, LEASE)).isEmpty()) {
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
        fixture.drainQueue();
        String principal = principal();
        RunRecord older = submissions.submit(newRun(principal, null, null)).run();
        RunRecord newer = submissions.submit(newRun(principal, null, null)).run();

        List<RunRecord> claimed = queue.claimQueued("worker-order", 1, LEASE);

        assertEquals(List.of(older.runId()), claimed.stream().map(RunRecord::runId).toList());
        assertEquals(RunStatus.QUEUED, reads.findAny(newer.runId()).orElseThrow().status());
    }

    @Test
    void heartbeat_extends_only_the_runs_the_worker_is_executing() {
        fixture.drainQueue();
        String principal = principal();
        submissions.submit(newRun(principal, null, null));
        submissions.submit(newRun(principal, null, null));
        String worker = "worker-" + UUID.randomUUID();
        List<RunRecord> claimed = queue.claimQueued(worker, 2, Duration.ofSeconds(30));
        RunRecord executing = claimed.get(0);
        RunRecord abandoned = claimed.get(1); // claimed, but nothing on this replica executes it any more

        Set<String> held = queue.heartbeat(worker, List.of(executing.runId()), Duration.ofMinutes(10));

        assertEquals(Set.of(executing.runId()), held);
        RunRecord after = reads.findAny(executing.runId()).orElseThrow();
        assertTrue(after.leaseExpiresAt().isAfter(executing.leaseExpiresAt()));
        assertEquals(executing.updatedAt(), after.updatedAt(), "a heartbeat is not a state change");
        assertEquals(abandoned.leaseExpiresAt(), reads.findAny(abandoned.runId()).orElseThrow().leaseExpiresAt(),
                "a run the worker no longer executes is never renewed");
        assertEquals(Set.of(), queue.heartbeat("nobody-" + UUID.randomUUID(), List.of(executing.runId()), LEASE),
                "a lease held by another worker is not renewed, and the answer says so");
        assertEquals(Set.of(), queue.heartbeat(worker, List.of(), LEASE));
    }

    @Test
    void a_heartbeat_tells_the_worker_which_of_its_runs_a_caller_asked_to_cancel() {
        String worker = fixture.claimOne(LEASE);
        RunRecord asked = fixture.runningOf(worker);

        assertEquals(Set.of(), queue.heartbeat(fixture.db.pool(), worker, List.of(asked.runId()), LEASE)
                .cancelRequested(), "no cancel asked yet");
        completions.requestCancel(asked.runId(), asked.principal()).orElseThrow();
        RunQueue.Heartbeat heartbeat = queue.heartbeat(fixture.db.pool(), worker, List.of(asked.runId()), LEASE);

        assertEquals(Set.of(asked.runId()), heartbeat.held(), "a run asked to cancel still runs until it stops");
        assertEquals(Set.of(asked.runId()), heartbeat.cancelRequested());
    }

    @Test
    void release_hands_a_running_run_back_to_the_queue_with_an_audit_line() {
        String worker = fixture.claimOne(LEASE);
        RunRecord running = fixture.runningOf(worker);

        assertEquals(List.of(running.runId()), queue.release(worker, List.of(running.runId())));

        RunRecord released = reads.findAny(running.runId()).orElseThrow();
        assertEquals(RunStatus.QUEUED, released.status());
        assertNull(released.leaseOwner());
        assertNull(released.leaseExpiresAt());
        assertEquals(running.attempts(), released.attempts(), "attempts are kept");
        assertEquals(1, fixture.auditCount(running.runId(), "run.released"));
        assertFalse(completions.complete(new RunCompletion(running.runId(), worker, RunStatus.SUCCEEDED, null, "late", 1, 1,
                0, false, "[]", List.of(), List.of())), "the releasing worker can no longer complete it");
        assertEquals(List.of(), queue.release("someone-else", List.of(running.runId())));
        List<RunRecord> reclaimed = queue.claimQueued("worker-next", 1, LEASE);
        assertEquals(List.of(running.runId()), reclaimed.stream().map(RunRecord::runId).toList());
        assertEquals(running.attempts() + 1, reclaimed.get(0).attempts());
    }

    @Test
    void an_expired_lease_within_the_grace_is_not_swept() throws Exception {
        String stalled = fixture.claimOne(Duration.ofMillis(1));
        RunRecord running = fixture.runningOf(stalled);
        Thread.sleep(5);

        assertFalse(queue.recoverExpiredLeases("sweeper", 0, Duration.ofMinutes(1)).failed().contains(running.runId()));
        assertEquals(RunStatus.RUNNING, reads.findAny(running.runId()).orElseThrow().status());
        assertTrue(queue.recoverExpiredLeases("sweeper", 0, Duration.ZERO).failed().contains(running.runId()));
    }

    @Test
    void a_live_worker_never_sweeps_its_own_expired_leases_and_completes_them_after_an_outage() throws Exception {
        String survivor = fixture.claimOne(Duration.ofMillis(1)); // its lease ran out while it could not reach the database
        RunRecord running = fixture.runningOf(survivor);
        Thread.sleep(5);

        List<String> failed = queue.recoverExpiredLeases(survivor, 0, Duration.ZERO).failed();

        assertFalse(failed.contains(running.runId()));
        assertEquals(RunStatus.RUNNING, reads.findAny(running.runId()).orElseThrow().status());
        assertTrue(completions.complete(new RunCompletion(running.runId(), survivor, RunStatus.SUCCEEDED, null, "late reply",
                1, 1, 0, false, "[]", List.of(), List.of())), "its result still counts");
        assertEquals("late reply", reads.findAny(running.runId()).orElseThrow().reply());
    }

    @Test
    void expired_leases_fail_with_worker_lost_and_are_audited() {
        String worker = fixture.claimOne(Duration.ofMillis(1));
        RunRecord running = fixture.runningOf(worker);
        String healthy = fixture.claimOne(LEASE);

        List<String> failed = queue.recoverExpiredLeases(null, 0, Duration.ZERO).failed();

        assertTrue(failed.contains(running.runId()));
        assertFalse(failed.contains(fixture.runningOf(healthy).runId()));
        RunRecord lost = reads.findAny(running.runId()).orElseThrow();
        assertEquals(RunStatus.FAILED, lost.status());
        assertEquals("WorkerLost", lost.reason());
        assertNotNull(lost.completedAt());
        assertEquals(1, fixture.auditCount(running.runId(), "run.worker_lost"));
        assertFalse(queue.recoverExpiredLeases(null, 0, Duration.ZERO).failed().contains(running.runId()), "failed once");
    }

    @Test
    void an_expired_lease_goes_back_to_the_queue_and_is_claimed_again_under_the_next_epoch() {
        String worker = fixture.claimOne(LEASE);
        RunRecord running = fixture.runningOf(worker);
        fixture.expireLease(running.runId(), Duration.ofSeconds(1));

        RunQueue.LeaseSweep sweep = queue.recoverExpiredLeases("sweeper-" + UUID.randomUUID(), 3, Duration.ofMinutes(1));

        assertTrue(sweep.resumed().contains(running.runId()), sweep.toString());
        assertFalse(sweep.failed().contains(running.runId()), sweep.toString());
        RunRecord requeued = reads.findAny(running.runId()).orElseThrow();
        assertEquals(RunStatus.QUEUED, requeued.status());
        assertNull(requeued.leaseOwner());
        assertNull(requeued.leaseExpiresAt());
        assertEquals(1, requeued.recoveries());
        assertNull(requeued.reason());
        assertEquals(1, fixture.auditCount(running.runId(), "run.resuming"));
        RunRecord reclaimed = claim(running.runId(), "worker-next-" + UUID.randomUUID());
        assertEquals(running.leaseEpoch() + 1, reclaimed.leaseEpoch());
        assertEquals(running.attempts() + 1, reclaimed.attempts());
        assertEquals(RunStatus.RUNNING, reclaimed.status());
    }

    @Test
    void a_run_out_of_recoveries_fails_only_after_the_grace_and_ends_its_journal() {
        String first = fixture.claimOne(LEASE);
        RunJournal.Lease lease = fixture.leaseOf(first);
        assertTrue(fixture.journal.append(lease, List.of(JournalStep.of(1, "agent_started", "{}"),
                JournalStep.of(2, "model_response", "{}")), 1));
        fixture.expireLease(lease.runId(), Duration.ofSeconds(1));
        assertTrue(queue.recoverExpiredLeases("sweeper-" + UUID.randomUUID(), 1, Duration.ZERO).resumed()
                .contains(lease.runId()), "the first loss is recovered");
        RunRecord second = claim(lease.runId(), "worker-second-" + UUID.randomUUID());
        String sweeper = "sweeper-" + UUID.randomUUID();

        fixture.expireLease(lease.runId(), Duration.ofSeconds(1));
        RunQueue.LeaseSweep withinGrace = queue.recoverExpiredLeases(sweeper, 1, Duration.ofMinutes(1));

        assertFalse(withinGrace.resumed().contains(lease.runId()), withinGrace.toString());
        assertFalse(withinGrace.failed().contains(lease.runId()), "a stalled worker may still finish it");
        assertEquals(RunStatus.RUNNING, reads.findAny(lease.runId()).orElseThrow().status());

        fixture.expireLease(lease.runId(), Duration.ofMinutes(2));
        RunQueue.LeaseSweep pastGrace = queue.recoverExpiredLeases(sweeper, 1, Duration.ofMinutes(1));

        assertFalse(pastGrace.resumed().contains(lease.runId()), pastGrace.toString());
        assertTrue(pastGrace.failed().contains(lease.runId()), pastGrace.toString());
        RunRecord failed = reads.findAny(lease.runId()).orElseThrow();
        assertEquals(RunStatus.FAILED, failed.status());
        assertEquals("RecoveryAttemptsExceeded", failed.reason());
        assertNotNull(failed.completedAt());
        assertEquals(3, failed.stepCount());
        assertEquals("run_failed", failed.lastStep());
        assertEquals(1, fixture.auditCount(lease.runId(), "run.worker_lost"));
        assertTerminalStep(lease.runId(), 3, second.leaseEpoch(), "RecoveryAttemptsExceeded");
        assertFalse(queue.recoverExpiredLeases(sweeper, 1, Duration.ZERO).failed().contains(lease.runId()),
                "failed once");
    }

    @Test
    void with_resuming_off_an_expired_lease_fails_worker_lost_with_a_terminal_step() {
        String worker = fixture.claimOne(LEASE);
        RunRecord running = fixture.runningOf(worker);
        fixture.expireLease(running.runId(), Duration.ofMinutes(2));

        RunQueue.LeaseSweep sweep = queue.recoverExpiredLeases("sweeper-" + UUID.randomUUID(), 0, Duration.ofMinutes(1));

        assertTrue(sweep.failed().contains(running.runId()), sweep.toString());
        assertFalse(sweep.resumed().contains(running.runId()), sweep.toString());
        RunRecord lost = reads.findAny(running.runId()).orElseThrow();
        assertEquals(RunStatus.FAILED, lost.status());
        assertEquals("WorkerLost", lost.reason());
        assertEquals(0, lost.recoveries());
        assertEquals(1, lost.stepCount());
        assertTerminalStep(running.runId(), 1, running.leaseEpoch(), "WorkerLost");
    }

    @Test
    void the_sweeping_workers_own_expired_runs_are_untouched() {
        String live = fixture.claimOne(LEASE); // its lease ran out while it could not reach the database
        RunRecord running = fixture.runningOf(live);
        fixture.expireLease(running.runId(), Duration.ofMinutes(2));

        RunQueue.LeaseSweep sweep = queue.recoverExpiredLeases(live, 0, Duration.ZERO);

        assertFalse(sweep.resumed().contains(running.runId()));
        assertFalse(sweep.failed().contains(running.runId()));
        RunRecord after = reads.findAny(running.runId()).orElseThrow();
        assertEquals(RunStatus.RUNNING, after.status());
        assertEquals(live, after.leaseOwner());
        assertEquals(0, after.recoveries());
        assertEquals(0, fixture.auditCount(running.runId(), "run.resuming"));
    }

    @Test
    void concurrent_sweepers_never_process_a_run_twice() throws Exception {
        for (int round = 0; round < 3; round++) {
            fixture.drainQueue();
            String principal = principal();
            String dead = "dead-" + UUID.randomUUID();
            for (int i = 0; i < 20; i++) {
                submissions.submit(newRun(principal, null, null));
            }
            List<String> expired = ids(queue.claimQueued(dead, 20, LEASE));
            assertEquals(20, expired.size());
            // Half of them already used up their recoveries: those are failed, the rest resumed.
            fixture.execute("UPDATE public.runs SET recoveries = 2 WHERE id = ANY($1)",
                    Tuple.tuple().addArrayOfString(expired.subList(0, 10).toArray(String[]::new)));
            fixture.execute("UPDATE public.runs SET lease_expires_at = now() - interval '1 hour' WHERE lease_owner = $1",
                    Tuple.of(dead));
            CountDownLatch start = new CountDownLatch(1);
            List<Future<RunQueue.LeaseSweep>> sweeps = new ArrayList<>();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int s = 0; s < 4; s++) {
                    String sweeper = "sweeper-" + s + "-" + UUID.randomUUID();
                    sweeps.add(threads.submit(() -> {
                        start.await();
                        return queue.recoverExpiredLeases(sweeper, 2, Duration.ZERO);
                    }));
                }
                start.countDown();
                List<String> processed = new ArrayList<>();
                for (Future<RunQueue.LeaseSweep> sweep : sweeps) {
                    processed.addAll(sweep.get().resumed());
                    processed.addAll(sweep.get().failed());
                }
                List<String> mine = processed.stream().filter(expired::contains).toList();

                assertEquals(mine.size(), new HashSet<>(mine).size(), "a run was processed twice: " + mine);
                assertEquals(new HashSet<>(expired), new HashSet<>(mine));
            }
            for (String runId : expired) {
                RunRecord after = reads.findAny(runId).orElseThrow();
                boolean outOfRecoveries = expired.indexOf(runId) < 10;
                assertEquals(outOfRecoveries ? RunStatus.FAILED : RunStatus.QUEUED, after.status(), runId);
                assertEquals(outOfRecoveries ? 2 : 1, after.recoveries(), runId);
                assertEquals(outOfRecoveries ? 1 : 0, after.stepCount(), runId);
                assertEquals(1, fixture.auditCount(runId, outOfRecoveries ? "run.worker_lost" : "run.resuming"), runId);
            }
        }
    }

    private static RunRecord claim(String runId, String worker) {
        return queue.claimQueued(worker, 100, LEASE).stream().filter(r -> r.runId().equals(runId)).findFirst()
                .orElseThrow(() -> new AssertionError(runId + " was not claimable"));
    }

    @Test
    void a_claim_takes_turns_across_principals_so_a_backlog_does_not_starve_a_later_principal() {
        fixture.drainQueue();
        String a = principal();
        String b = principal();
        List<String> runsOfA = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            runsOfA.add(submissions.submit(newRun(a, null, null)).run().runId());
        }
        List<String> runsOfB = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            runsOfB.add(submissions.submit(newRun(b, null, null)).run().runId());
        }

        List<RunRecord> first = queue.claimQueued("worker-fair", 4, LEASE);

        // Round 1: the oldest of each; round 2: the second of each — B's runs do not wait behind A's 100.
        assertEquals(Set.of(runsOfA.get(0), runsOfB.get(0), runsOfA.get(1), runsOfB.get(1)), new HashSet<>(ids(first)));
        List<RunRecord> second = queue.claimQueued("worker-fair", 4, LEASE);
        assertEquals(Set.of(runsOfB.get(2), runsOfA.get(2), runsOfA.get(3), runsOfA.get(4)), new HashSet<>(ids(second)));
        fixture.drainQueue();
    }

    @Test
    void max_in_flight_of_a_principal_is_never_exceeded_by_two_concurrent_claimers() throws Exception {
        fixture.drainQueue();
        String limited = principal();
        String free = principal();
        for (int i = 0; i < 20; i++) {
            submissions.submit(newRun(limited, null, null));
            submissions.submit(newRun(free, null, null));
        }
        InFlightLimits limits = new InFlightLimits(java.util.OptionalInt.empty(), java.util.Map.of(limited, 2));
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<List<RunRecord>>> workers = new ArrayList<>();
        for (String worker : List.of("worker-a", "worker-b")) {
            workers.add(() -> {
                start.await();
                List<RunRecord> mine = new ArrayList<>();
                for (int round = 0; round < 10; round++) {
                    mine.addAll(queue.claimQueued(worker, 3, LEASE, limits));
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

        assertEquals(2, claimed.stream().filter(run -> run.principal().equals(limited)).count());
        assertEquals(20, claimed.stream().filter(run -> run.principal().equals(free)).count());
        assertEquals(2, runningOf(limited));

        // One of them finishes: exactly one more starts, whoever claims.
        String done = claimed.stream().filter(run -> run.principal().equals(limited)).findFirst().orElseThrow().runId();
        fixture.execute("UPDATE public.runs SET status = 'succeeded', completed_at = now() WHERE id = $1",
                Tuple.of(done));
        assertEquals(1, queue.claimQueued("worker-b", 10, LEASE, limits).size());
        assertEquals(0, queue.claimQueued("worker-a", 10, LEASE, limits).size());
        assertEquals(2, runningOf(limited));
        fixture.execute("UPDATE public.runs SET status = 'succeeded', completed_at = now() "
                + "WHERE principal = $1 AND status = 'running'", Tuple.of(limited));
        fixture.drainQueue();
    }

    @Test
    void a_default_in_flight_bound_applies_to_every_principal_without_an_override() {
        fixture.drainQueue();
        String bounded = principal();
        String overridden = principal();
        for (int i = 0; i < 5; i++) {
            submissions.submit(newRun(bounded, null, null));
            submissions.submit(newRun(overridden, null, null));
        }
        InFlightLimits limits = new InFlightLimits(java.util.OptionalInt.of(1), java.util.Map.of(overridden, 3));

        List<RunRecord> claimed = queue.claimQueued("worker-default", 10, LEASE, limits);

        assertEquals(1, claimed.stream().filter(run -> run.principal().equals(bounded)).count());
        assertEquals(3, claimed.stream().filter(run -> run.principal().equals(overridden)).count());
        fixture.execute("UPDATE public.runs SET status = 'succeeded', completed_at = now() "
                + "WHERE principal IN ($1, $2) AND status = 'running'", Tuple.of(bounded, overridden));
        fixture.drainQueue();
    }

    private static long runningOf(String principal) {
        return fixture.count("SELECT count(*) FROM public.runs WHERE principal = $1 AND status = 'running'", principal);
    }

    private static void assertTerminalStep(String runId, int seq, long epoch, String reason) {
        List<JournalStep> steps = fixture.journal.all(runId);
        JournalStep last = steps.getLast();
        assertEquals(seq, steps.size());
        assertEquals(seq, last.seq());
        assertEquals("run_failed", last.kind());
        JsonObject payload = new JsonObject(last.payloadJson());
        assertEquals("failed", payload.getString("status"));
        assertEquals(reason, payload.getString("reason"));
        assertNotNull(payload.getString("message"));
        assertEquals(new RunFixture.StoredStep(seq, "run_failed", epoch), fixture.storedSteps(runId).getLast());
    }
}
