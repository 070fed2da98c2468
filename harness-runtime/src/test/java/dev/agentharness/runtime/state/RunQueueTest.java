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

        assertFalse(queue.failExpiredLeases("WorkerLost", "sweeper", Duration.ofMinutes(1)).contains(running.runId()));
        assertEquals(RunStatus.RUNNING, reads.findAny(running.runId()).orElseThrow().status());
        assertTrue(queue.failExpiredLeases("WorkerLost", "sweeper", Duration.ZERO).contains(running.runId()));
    }

    @Test
    void a_live_worker_never_sweeps_its_own_expired_leases_and_completes_them_after_an_outage() throws Exception {
        String survivor = fixture.claimOne(Duration.ofMillis(1)); // its lease ran out while it could not reach the database
        RunRecord running = fixture.runningOf(survivor);
        Thread.sleep(5);

        List<String> failed = queue.failExpiredLeases("WorkerLost", survivor, Duration.ZERO);

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

        List<String> failed = queue.failExpiredLeases("WorkerLost");

        assertTrue(failed.contains(running.runId()));
        assertFalse(failed.contains(fixture.runningOf(healthy).runId()));
        RunRecord lost = reads.findAny(running.runId()).orElseThrow();
        assertEquals(RunStatus.FAILED, lost.status());
        assertEquals("WorkerLost", lost.reason());
        assertNotNull(lost.completedAt());
        assertEquals(1, fixture.auditCount(running.runId(), "run.worker_lost"));
        assertFalse(queue.failExpiredLeases("WorkerLost").contains(running.runId()), "failed once");
    }
}
