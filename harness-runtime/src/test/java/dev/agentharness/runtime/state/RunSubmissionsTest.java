package dev.agentharness.runtime.state;

import static dev.agentharness.runtime.state.RunFixture.ids;
import static dev.agentharness.runtime.state.RunFixture.newRun;
import static dev.agentharness.runtime.state.RunFixture.principal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.RunStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link RunSubmissions} on real PostgreSQL (run twice by surefire: embedded, then through PgBouncer). */
class RunSubmissionsTest {

    private static RunFixture fixture;
    private static RunSubmissions submissions;
    private static RunReads reads;
    private static SessionStore sessions;

    @BeforeAll
    static void database() {
        fixture = RunFixture.migrated();
        submissions = fixture.submissions;
        reads = fixture.reads;
        sessions = fixture.sessions;
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    @Test
    void submit_stores_a_queued_run_its_session_and_an_audit_line() {
        String principal = principal();
        NewRun run = newRun(principal, "s-" + principal, null);

        SubmitOutcome outcome = submissions.submit(run);

        assertTrue(outcome.created());
        RunRecord stored = outcome.run();
        assertEquals(RunStatus.QUEUED, stored.status());
        assertEquals(run.runId(), stored.runId());
        assertEquals("{\"message\": \"hello\"}", stored.requestJson());
        assertEquals(10, stored.maxTurns());
        assertNull(stored.timeoutSeconds());
        assertEquals(0, stored.attempts());
        assertNotNull(stored.createdAt());
        assertEquals(Optional.of(stored), reads.find(run.runId(), principal));
        assertTrue(sessions.find(run.sessionId(), principal).isPresent());
        assertEquals(1, fixture.auditCount(run.runId(), "run.submitted"));
    }

    @Test
    void twenty_five_concurrent_identical_submissions_make_exactly_one_run() throws Exception {
        String principal = principal();
        String key = "key-" + UUID.randomUUID();
        String sessionId = "s-" + UUID.randomUUID();
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<SubmitOutcome>> retries = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            // Each retry carries a fresh run id, as a client retry would produce.
            NewRun run = newRun(principal, sessionId, key);
            retries.add(() -> { start.await(); return submissions.submit(run); });
        }

        List<SubmitOutcome> outcomes = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<SubmitOutcome>> futures = retries.stream().map(threads::submit).toList();
            start.countDown();
            for (Future<SubmitOutcome> f : futures) {
                outcomes.add(f.get());
            }
        }

        assertEquals(1, outcomes.stream().filter(SubmitOutcome::created).count());
        assertEquals(1, outcomes.stream().map(o -> o.run().runId()).distinct().count());
        assertEquals(1, fixture.count("SELECT count(*) FROM public.runs WHERE principal = $1", principal));
        assertEquals(1, fixture.count("SELECT count(*) FROM public.sessions WHERE principal = $1", principal));
    }

    @Test
    void max_queued_refuses_the_next_run_but_never_an_idempotent_retry() {
        String principal = principal();
        SubmissionQuota quota = new SubmissionQuota(java.util.OptionalInt.of(3), java.util.OptionalInt.empty());
        List<NewRun> accepted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            NewRun run = newRun(principal, null, "key-" + i);
            assertTrue(submissions.submit(run, quota).created());
            accepted.add(run);
        }

        QuotaExceededException refused = org.junit.jupiter.api.Assertions.assertThrows(QuotaExceededException.class,
                () -> submissions.submit(newRun(principal, null, "key-3"), quota));

        assertEquals("max_queued", refused.limit());
        assertEquals(3, refused.count());
        assertEquals(3, refused.max());
        assertEquals(Optional.empty(), submissions.findByIdempotencyKey(principal, "key-3"), "nothing half-written");
        NewRun retry = newRun(principal, null, "key-1");
        SubmitOutcome replay = submissions.submit(retry, quota);
        assertEquals(false, replay.created());
        assertEquals(accepted.get(1).runId(), replay.run().runId());
        // Another principal is not counted against this one.
        assertTrue(submissions.submit(newRun(principal(), null, null), quota).created());
    }

    @Test
    void concurrent_submissions_never_exceed_max_queued() throws Exception {
        String principal = principal();
        SubmissionQuota quota = new SubmissionQuota(java.util.OptionalInt.of(3), java.util.OptionalInt.empty());
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<Boolean>> callers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            callers.add(() -> {
                start.await();
                try {
                    return submissions.submit(newRun(principal, null, null), quota).created();
                } catch (QuotaExceededException e) {
                    return false;
                }
            });
        }
        long created = 0;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Boolean>> futures = callers.stream().map(threads::submit).toList();
            start.countDown();
            for (Future<Boolean> f : futures) {
                created += f.get() ? 1 : 0;
            }
        }
        assertEquals(3, created);
        assertEquals(3, fixture.count("SELECT count(*) FROM public.runs WHERE principal = $1", principal));
    }

    @Test
    void with_no_waiting_a_run_is_accepted_only_while_an_in_flight_slot_is_free() {
        String principal = principal();
        SubmissionQuota quota = new SubmissionQuota(java.util.OptionalInt.of(0), java.util.OptionalInt.of(2));
        assertTrue(submissions.submit(newRun(principal, null, null), quota).created());
        assertTrue(submissions.submit(newRun(principal, null, null), quota).created());

        QuotaExceededException refused = org.junit.jupiter.api.Assertions.assertThrows(QuotaExceededException.class,
                () -> submissions.submit(newRun(principal, null, null), quota));

        assertEquals("max_in_flight", refused.limit());
        assertEquals(2, refused.count());
        assertEquals(2, refused.max());
    }

    @Test
    void the_same_idempotency_key_for_another_principal_is_a_different_run() {
        String key = "shared-key";
        SubmitOutcome first = submissions.submit(newRun(principal(), null, key));
        SubmitOutcome second = submissions.submit(newRun(principal(), null, key));

        assertTrue(first.created());
        assertTrue(second.created());
    }

    @Test
    void the_same_session_id_for_another_principal_is_another_session() {
        String sessionId = "s-" + UUID.randomUUID();
        String alice = principal();
        String bob = principal();
        SubmitOutcome first = submissions.submit(newRun(alice, sessionId, null));
        SubmitOutcome second = submissions.submit(newRun(bob, sessionId, null));

        assertTrue(first.created());
        assertTrue(second.created(), "bob's run is accepted as for any unused id: the id tells him nothing");
        assertEquals(List.of(first.run().runId()), ids(sessions.runs(sessionId, alice)));
        assertEquals(List.of(second.run().runId()), ids(sessions.runs(sessionId, bob)));
        assertEquals(alice, sessions.find(sessionId, alice).orElseThrow().principal());
        assertEquals(bob, sessions.find(sessionId, bob).orElseThrow().principal());
        assertEquals(2, fixture.count("SELECT count(*) FROM public.sessions WHERE id = $1", sessionId));
    }

    @Test
    void session_history_lists_runs_in_creation_order_for_the_owner_only() {
        String principal = principal();
        String sessionId = "s-" + UUID.randomUUID();
        RunRecord first = submissions.submit(newRun(principal, sessionId, null)).run();
        RunRecord second = submissions.submit(newRun(principal, sessionId, null)).run();

        assertEquals(List.of(first.runId(), second.runId()), ids(sessions.runs(sessionId, principal)));
        assertEquals(List.of(), sessions.runs(sessionId, "someone-else"));
        assertTrue(sessions.find(sessionId, "someone-else").isEmpty());
    }
}
