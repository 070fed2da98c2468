package dev.agentharness.runtime.state;

import static dev.agentharness.runtime.state.RunFixture.LEASE;
import static dev.agentharness.runtime.state.RunFixture.newRun;
import static dev.agentharness.runtime.state.RunFixture.principal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.RunStatus;
import dev.agentharness.runtime.state.RunFixture.StoredStep;
import dev.agentharness.runtime.state.RunJournal.Lease;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link RunJournal} on real PostgreSQL (run twice by surefire: embedded, then through PgBouncer in transaction mode):
 * appends and reads, and the fence — a worker whose lease moved on never writes another step.
 */
class RunJournalTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static RunFixture fixture;
    private static RunJournal journal;
    private static RunQueue queue;

    @BeforeAll
    static void database() {
        fixture = RunFixture.migrated();
        journal = fixture.journal;
        queue = fixture.queue;
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    @Test
    void appends_under_the_current_lease_are_read_back_in_order_and_move_the_progress_columns() {
        Lease lease = fixture.leaseOf(fixture.claimOne(LEASE));
        RunRecord claimed = fixture.reads.findAny(lease.runId()).orElseThrow();

        assertTrue(journal.append(lease, List.of(
                step(1, "agent_started", "{\"agent\":\"maya\",\"tools\":[\"lookup\"],\"handoffs\":[]}"),
                step(2, "tool_started", "{\"agent\":\"maya\",\"tool\":\"lookup\",\"call_id\":\"c1\"}")), 0));

        RunRecord afterTools = fixture.reads.findAny(lease.runId()).orElseThrow();
        assertEquals(2, afterTools.stepCount());
        assertEquals("tool_started", afterTools.lastStep());
        assertEquals(0, afterTools.turns());
        assertEquals(claimed.updatedAt(), afterTools.updatedAt(), "steps without a model response are not a change");

        assertTrue(journal.append(lease, List.of(step(3, "model_response", "{\"turn\":1,\"output\":[]}")), 1));

        RunRecord afterTurn = fixture.reads.findAny(lease.runId()).orElseThrow();
        assertEquals(3, afterTurn.stepCount());
        assertEquals("model_response", afterTurn.lastStep());
        assertEquals(1, afterTurn.turns());
        assertTrue(afterTurn.updatedAt().isAfter(afterTools.updatedAt()), "a model response is a change for the feed");

        List<JournalStep> all = journal.all(lease.runId());
        assertEquals(List.of(1, 2, 3), all.stream().map(JournalStep::seq).toList());
        assertEquals(List.of("agent_started", "tool_started", "model_response"),
                all.stream().map(JournalStep::kind).toList());
        assertEquals(new JsonObject("{\"agent\":\"maya\",\"tools\":[\"lookup\"],\"handoffs\":[]}"),
                new JsonObject(all.get(0).payloadJson()));
        all.forEach(stored -> assertNotNull(stored.createdAt()));
        assertEquals(List.of(2, 3), journal.after(lease.runId(), 1, 10).stream().map(JournalStep::seq).toList());
        assertEquals(List.of(1, 2), journal.after(lease.runId(), 0, 2).stream().map(JournalStep::seq).toList());
        assertEquals(List.of(), journal.after(lease.runId(), 3, 10));
        assertTrue(fixture.storedSteps(lease.runId()).stream().allMatch(s -> s.epoch() == lease.epoch()));
    }

    @Test
    void a_worker_whose_run_was_swept_and_claimed_by_another_can_no_longer_append() {
        Lease a = fixture.leaseOf(fixture.claimOne(LEASE));
        assertTrue(journal.append(a, List.of(step(1, "agent_started", "{}")), 0));

        String workerB = "worker-b-" + UUID.randomUUID();
        RunRecord claimedByB = takeOver(a.runId(), workerB);
        Lease b = new Lease(a.runId(), workerB, claimedByB.leaseEpoch());

        assertEquals(a.epoch() + 1, b.epoch());
        assertFalse(journal.append(a, List.of(step(2, "model_response", "{\"from\":\"a\"}")), 1),
                "the old worker is fenced out");
        assertEquals(List.of(new StoredStep(1, "agent_started", a.epoch())), fixture.storedSteps(a.runId()));
        RunRecord untouched = fixture.reads.findAny(a.runId()).orElseThrow();
        assertEquals(1, untouched.stepCount());
        assertEquals(0, untouched.turns());

        assertTrue(journal.append(b, List.of(step(2, "model_response", "{\"from\":\"b\"}")), 1));
        assertEquals(List.of(new StoredStep(1, "agent_started", a.epoch()), new StoredStep(2, "model_response", b.epoch())),
                fixture.storedSteps(a.runId()));
    }

    @Test
    void a_stale_epoch_of_the_same_worker_is_refused() {
        String worker = fixture.claimOne(LEASE);
        Lease first = fixture.leaseOf(worker);

        RunRecord again = takeOver(first.runId(), worker); // the same replica happens to claim it back
        Lease current = new Lease(first.runId(), worker, again.leaseEpoch());

        assertEquals(first.epoch() + 1, current.epoch());
        assertFalse(journal.append(first, List.of(step(1, "agent_started", "{}")), 0),
                "the worker id alone is not the lease: the epoch of the earlier claim is stale");
        assertEquals(List.of(), fixture.storedSteps(first.runId()));
        assertTrue(journal.append(current, List.of(step(1, "agent_started", "{}")), 0));
    }

    @Test
    void a_run_that_is_not_running_refuses_appends() {
        RunRecord queued = fixture.submissions.submit(newRun(principal(), null, null)).run();
        assertFalse(journal.append(new Lease(queued.runId(), "worker-x", queued.leaseEpoch()),
                List.of(step(1, "agent_started", "{}")), 0), "queued");

        String releasing = fixture.claimOne(LEASE);
        Lease released = fixture.leaseOf(releasing);
        assertEquals(List.of(released.runId()), queue.release(releasing, List.of(released.runId())));
        assertFalse(journal.append(released, List.of(step(1, "agent_started", "{}")), 0), "released to the queue");

        String finishing = fixture.claimOne(LEASE);
        Lease finished = fixture.leaseOf(finishing);
        assertTrue(fixture.completions.complete(new RunCompletion(finished.runId(), finishing, RunStatus.SUCCEEDED,
                null, "done", 1, 1, 0, false, "[]", List.of(), List.of())));
        assertFalse(journal.append(finished, List.of(step(1, "agent_started", "{}")), 0), "finished");

        for (String runId : List.of(queued.runId(), released.runId(), finished.runId())) {
            assertEquals(List.of(), fixture.storedSteps(runId), runId);
            assertEquals(0, fixture.reads.findAny(runId).orElseThrow().stepCount(), runId);
        }
    }

    /**
     * The interleaving a check-then-write implementation gets wrong, forced: the sweep has taken A's run (row locked,
     * not committed yet — a trigger holds it on an advisory lock this test owns), A's append arrives and waits for the
     * row; the sweep commits; the append must re-check its fence against the committed row and write nothing.
     */
    @Test
    void an_append_waiting_on_the_sweep_rechecks_the_fence_after_the_sweep_commits_and_writes_nothing()
            throws Exception {
        String workerA = fixture.claimOne("held-" + UUID.randomUUID(), LEASE);
        Lease a = fixture.leaseOf(workerA);
        assertTrue(journal.append(a, List.of(step(1, "agent_started", "{}")), 0));
        fixture.expireLease(a.runId(), Duration.ofSeconds(1));
        fixture.execute("CREATE OR REPLACE FUNCTION public.test_hold_takeover() RETURNS trigger LANGUAGE plpgsql AS "
                + "$$ BEGIN PERFORM pg_advisory_xact_lock(hashtext(OLD.id)); RETURN NEW; END $$", Tuple.tuple());
        fixture.execute("CREATE TRIGGER test_hold_takeover BEFORE UPDATE ON public.runs FOR EACH ROW "
                + "WHEN (OLD.lease_owner LIKE 'held-%' AND NEW.status <> OLD.status) "
                + "EXECUTE FUNCTION public.test_hold_takeover()", Tuple.tuple());
        SqlConnection holder = Blocking.await(fixture.pool.getConnection(), WAIT);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Transaction held = Blocking.await(holder.begin(), WAIT);
            Blocking.await(holder.preparedQuery("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .execute(Tuple.of(a.runId())), WAIT);

            Future<RunQueue.LeaseSweep> sweep = threads.submit(
                    () -> queue.recoverExpiredLeases("sweeper-" + UUID.randomUUID(), 5, Duration.ZERO));
            awaitUntil(() -> waiting("advisory") == 1, "the sweep holds A's row and waits on the test's lock");
            Future<Boolean> append = threads.submit(
                    () -> journal.append(a, List.of(step(2, "model_response", "{\"late\":true}")), 1));
            awaitUntil(() -> waiting("transactionid") + waiting("tuple") == 1, "A's append waits for the row");
            assertFalse(append.isDone());

            Blocking.await(held.commit(), WAIT);

            assertTrue(sweep.get(WAIT.toSeconds(), TimeUnit.SECONDS).resumed().contains(a.runId()));
            assertFalse(append.get(WAIT.toSeconds(), TimeUnit.SECONDS), "the append lost the race and must say so");
        } finally {
            Blocking.awaitQuietly(holder.close(), WAIT);
            fixture.execute("DROP TRIGGER test_hold_takeover ON public.runs", Tuple.tuple());
            fixture.execute("DROP FUNCTION public.test_hold_takeover()", Tuple.tuple());
        }

        assertEquals(List.of(new StoredStep(1, "agent_started", a.epoch())), fixture.storedSteps(a.runId()));
        RunRecord requeued = fixture.reads.findAny(a.runId()).orElseThrow();
        assertEquals(RunStatus.QUEUED, requeued.status());
        assertEquals(1, requeued.stepCount());
        assertEquals(0, requeued.turns());
        String workerB = "worker-b-" + UUID.randomUUID();
        RunRecord claimedByB = claim(a.runId(), workerB);
        assertEquals(1, claimedByB.stepCount(), "B resumes after the last step A really wrote");
        assertTrue(journal.append(new Lease(a.runId(), workerB, claimedByB.leaseEpoch()),
                List.of(step(2, "model_response", "{\"by\":\"b\"}")), 1));
    }

    /**
     * Many races of "A appends" against "the sweep hands A's expired run on and B claims it": whichever wins, a step
     * of A's epoch is never written after B's claim — A's steps all come before the step count B resumed from, epochs
     * never decrease along the journal, and B's first append always fits.
     */
    @Test
    void appends_racing_a_takeover_never_land_after_it() throws Exception {
        int aWon = 0;
        for (int i = 0; i < 40; i++) {
            Lease a = fixture.leaseOf(fixture.claimOne(LEASE));
            assertTrue(journal.append(a, List.of(step(1, "agent_started", "{}")), 0));
            fixture.expireLease(a.runId(), Duration.ofSeconds(1));
            String workerB = "worker-b-" + UUID.randomUUID();
            CountDownLatch start = new CountDownLatch(1);

            boolean appended;
            RunRecord claimedByB;
            boolean bAppended;
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<Boolean> byA = threads.submit(() -> {
                    start.await();
                    return journal.append(a, List.of(step(2, "tool_started", "{}"), step(3, "tool_output", "{}")), 0);
                });
                Future<RunRecord> takeover = threads.submit(() -> {
                    start.await();
                    return takeOver(a.runId(), workerB);
                });
                start.countDown();
                appended = byA.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                claimedByB = takeover.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
            int resumeFrom = claimedByB.stepCount();
            bAppended = journal.append(new Lease(a.runId(), workerB, claimedByB.leaseEpoch()),
                    List.of(step(resumeFrom + 1, "model_response", "{}")), 1);

            List<StoredStep> steps = fixture.storedSteps(a.runId());
            String trail = "iteration " + i + ": " + steps;
            assertTrue(bAppended, trail);
            assertEquals(appended ? 3 : 1, resumeFrom, trail);
            for (int s = 0; s < steps.size(); s++) {
                assertEquals(s + 1, steps.get(s).seq(), trail);
                if (s > 0) {
                    assertTrue(steps.get(s).epoch() >= steps.get(s - 1).epoch(), trail);
                }
                if (steps.get(s).epoch() == a.epoch()) {
                    assertTrue(steps.get(s).seq() <= resumeFrom, "a step of A's epoch after B's claim: " + trail);
                }
            }
            assertEquals(claimedByB.leaseEpoch(), steps.getLast().epoch(), trail);
            aWon += appended ? 1 : 0;
        }
        // Which side wins varies; both outcomes are checked above. Nothing asserted on the split itself.
        System.out.println("appends_racing_a_takeover: A's append won " + aWon + " of 40 races");
    }

    @Test
    void the_primary_key_refuses_a_second_step_with_the_same_seq() {
        Lease lease = fixture.leaseOf(fixture.claimOne(LEASE));
        assertTrue(journal.append(lease, List.of(step(1, "model_response", "{\"first\":true}")), 1));

        PgException duplicate = assertThrows(PgException.class,
                () -> journal.append(lease, List.of(step(1, "model_response", "{\"second\":true}")), 1));

        assertEquals("23505", duplicate.getSqlState());
        List<JournalStep> all = journal.all(lease.runId());
        assertEquals(1, all.size());
        assertEquals(new JsonObject().put("first", true), new JsonObject(all.getFirst().payloadJson()));
        assertEquals(1, fixture.reads.findAny(lease.runId()).orElseThrow().turns(), "the refused append moved nothing");
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static JournalStep step(int seq, String kind, String payloadJson) {
        return JournalStep.of(seq, kind, payloadJson);
    }

    /** The run's lease runs out, another replica's sweep hands it back to the queue, and {@code worker} claims it. */
    private static RunRecord takeOver(String runId, String worker) {
        fixture.expireLease(runId, Duration.ofSeconds(1));
        String sweeper = "sweeper-" + UUID.randomUUID();
        // A concurrent append holds the row for a moment and the sweep skips locked rows: sweep until it is handed on.
        awaitUntil(() -> queue.recoverExpiredLeases(sweeper, 5, Duration.ZERO).resumed().contains(runId)
                || fixture.reads.findAny(runId).orElseThrow().status() == RunStatus.QUEUED, "the run is requeued");
        return claim(runId, worker);
    }

    private static RunRecord claim(String runId, String worker) {
        // The claim skips locked rows: A's racing append (which finds the lease gone and writes nothing) may still
        // hold the requeued row for a moment, so claim until it is free.
        AtomicReference<RunRecord> claimed = new AtomicReference<>();
        awaitUntil(() -> {
            queue.claimQueued(worker, 100, LEASE).stream().filter(r -> r.runId().equals(runId)).findFirst()
                    .ifPresent(claimed::set);
            return claimed.get() != null;
        }, runId + " is claimable");
        return claimed.get();
    }

    /** Backends of this database waiting on a lock of {@code waitEvent} ({@code advisory}, {@code transactionid}…). */
    private static long waiting(String waitEvent) {
        return fixture.count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                + "AND wait_event_type = 'Lock' AND wait_event = $1", waitEvent);
    }

    private static void awaitUntil(BooleanSupplier condition, String what) {
        Instant deadline = Instant.now().plus(WAIT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting until " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting until " + what, e);
            }
        }
    }
}
