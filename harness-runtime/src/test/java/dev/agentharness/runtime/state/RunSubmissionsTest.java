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
