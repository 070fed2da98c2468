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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link RunCompletions}: completion, cancellation, audit, on real PostgreSQL (direct and through PgBouncer). */
class RunCompletionsTest {

    private static RunFixture fixture;
    private static RunSubmissions submissions;
    private static RunQueue queue;
    private static RunCompletions completions;
    private static RunReads reads;
    private static SessionStore sessions;

    @BeforeAll
    static void database() {
        fixture = RunFixture.migrated();
        submissions = fixture.submissions;
        queue = fixture.queue;
        completions = fixture.completions;
        reads = fixture.reads;
        sessions = fixture.sessions;
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    @Test
    void complete_writes_run_trace_artifacts_session_and_audit_together() {
        String worker = fixture.claimOne(LEASE);
        RunRecord running = fixture.runningOf(worker);
        String principal = running.principal();
        OffsetDateTime sessionBefore = sessions.find(running.sessionId(), principal).orElseThrow().updatedAt();
        ArtifactRow reply = new ArtifactRow("reply.md", "outputs/" + running.runId() + "/reply.md", 42, "ab".repeat(32),
                "text/markdown");
        RunCompletion completion = new RunCompletion(running.runId(), worker, RunStatus.SUCCEEDED, null, "All done.",
                120, 30, 0.0042, true, "[{\"name\": \"agent\"}]", List.of(reply),
                List.of(new AuditEntry(principal, running.runId(), "run.succeeded", "{\"turns\": 2}")));

        assertTrue(completions.complete(completion));

        RunRecord done = reads.find(running.runId(), principal).orElseThrow();
        assertEquals(RunStatus.SUCCEEDED, done.status());
        assertEquals("All done.", done.reply());
        assertEquals(120, done.inputTokens());
        assertEquals(30, done.outputTokens());
        assertEquals(0.0042, done.costUsd(), 1e-12);
        assertTrue(done.usedSandbox());
        assertNotNull(done.completedAt());
        assertTrue(done.updatedAt().isAfter(running.updatedAt()));
        TraceRecord trace = reads.trace(running.runId(), principal).orElseThrow();
        assertEquals("trace-" + running.runId(), trace.traceId());
        assertEquals(new JsonArray("[{\"name\": \"agent\"}]"), new JsonArray(trace.traceJson()));
        assertEquals(List.of(reply), reads.artifacts(running.runId()));
        assertTrue(sessions.find(running.sessionId(), principal).orElseThrow().updatedAt().isAfter(sessionBefore));
        assertEquals(1, fixture.auditCount(running.runId(), "run.succeeded"));
        assertFalse(completions.complete(completion), "a run completes once");
    }

    @Test
    void complete_is_refused_when_another_worker_holds_the_lease() {
        String worker = fixture.claimOne(LEASE);
        RunRecord running = fixture.runningOf(worker);

        boolean completed = completions.complete(new RunCompletion(running.runId(), "impostor", RunStatus.FAILED, "Error",
                null, 0, 0, 0, false, "[]", List.of(new ArtifactRow("x", "k", 1, "s", "text/plain")),
                List.of(new AuditEntry(running.principal(), running.runId(), "run.failed", null))));

        assertFalse(completed);
        assertEquals(running, reads.findAny(running.runId()).orElseThrow());
        assertTrue(reads.trace(running.runId(), running.principal()).isEmpty());
        assertEquals(List.of(), reads.artifacts(running.runId()));
        assertEquals(0, fixture.auditCount(running.runId(), "run.failed"));
    }

    @Test
    void a_completion_the_database_refuses_for_its_content_is_a_rejection_not_an_outage() {
        String worker = fixture.claimOne(LEASE);
        RunRecord running = fixture.runningOf(worker);

        CompletionRejectedException rejected = assertThrows(CompletionRejectedException.class, () -> completions.complete(
                new RunCompletion(running.runId(), worker, RunStatus.SUCCEEDED, null, "nul \0 inside", 1, 1, 0, false,
                        "[]", List.of(), List.of())));

        assertEquals("22", rejected.sqlState().substring(0, 2), rejected.sqlState());
        assertEquals(RunStatus.RUNNING, reads.findAny(running.runId()).orElseThrow().status());
        // The harness then records a plain failure instead, which the database accepts.
        assertTrue(completions.complete(new RunCompletion(running.runId(), worker, RunStatus.FAILED, "CompletionRejected",
                null, 1, 1, 0, false, "[]", List.of(), List.of())));
    }

    @Test
    void a_failing_completion_rolls_back_everything() {
        String worker = fixture.claimOne(LEASE);
        RunRecord running = fixture.runningOf(worker);
        ArtifactRow artifact = new ArtifactRow("same.md", "k", 1, "s", "text/plain");

        // Two artifacts with one name violate unique(run_id, name) after the run row was already updated.
        assertThrows(RuntimeException.class, () -> completions.complete(new RunCompletion(running.runId(), worker,
                RunStatus.SUCCEEDED, null, "reply", 1, 1, 0, false, "[]", List.of(artifact, artifact), List.of())));

        assertEquals(RunStatus.RUNNING, reads.findAny(running.runId()).orElseThrow().status());
        assertTrue(reads.trace(running.runId(), running.principal()).isEmpty());
    }

    @Test
    void cancelling_a_queued_run_cancels_it_at_once() {
        RunRecord queued = submissions.submit(newRun(principal(), null, null)).run();

        RunRecord cancelled = completions.requestCancel(queued.runId(), queued.principal()).orElseThrow();

        assertEquals(RunStatus.CANCELLED, cancelled.status());
        assertEquals("Cancelled", cancelled.reason());
        assertNotNull(cancelled.completedAt());
        assertEquals(1, fixture.auditCount(queued.runId(), "run.cancelled"));
        assertTrue(queue.claimQueued("worker-cancel", 1000, LEASE).stream().noneMatch(r -> r.runId().equals(queued.runId())));
    }

    @Test
    void cancelling_a_running_run_asks_its_worker_to_stop() {
        String worker = fixture.claimOne(LEASE);
        RunRecord running = fixture.runningOf(worker);
        assertFalse(reads.cancelRequested(running.runId()));

        RunRecord requested = completions.requestCancel(running.runId(), running.principal()).orElseThrow();

        assertEquals(RunStatus.RUNNING, requested.status());
        assertTrue(requested.cancelRequested());
        assertTrue(reads.cancelRequested(running.runId()));
        assertEquals(1, fixture.auditCount(running.runId(), "run.cancel_requested"));
    }

    @Test
    void cancelling_a_finished_run_changes_nothing_and_unknown_runs_are_empty() {
        String worker = fixture.claimOne(LEASE);
        RunRecord running = fixture.runningOf(worker);
        completions.complete(new RunCompletion(running.runId(), worker, RunStatus.SUCCEEDED, null, "ok", 1, 1, 0, false,
                "[]", List.of(), List.of()));
        RunRecord finished = reads.findAny(running.runId()).orElseThrow();

        assertEquals(Optional.of(finished), completions.requestCancel(running.runId(), running.principal()));
        assertTrue(completions.requestCancel(running.runId(), "someone-else").isEmpty());
        assertTrue(completions.requestCancel("no-such-run", running.principal()).isEmpty());
        assertFalse(reads.cancelRequested("no-such-run"));
    }

    @Test
    void audit_appends_an_entry() {
        String runId = "audit-" + UUID.randomUUID();

        completions.audit(new AuditEntry("alice", runId, "run.viewed", "{\"via\": \"api\"}"));
        completions.audit(new AuditEntry(null, runId, "run.viewed", null));

        assertEquals(2, fixture.auditCount(runId, "run.viewed"));
    }

    @Test
    void complete_with_steps_writes_them_under_the_runs_epoch_and_moves_the_progress_columns() {
        String worker = fixture.claimOne(LEASE);
        RunJournal.Lease lease = fixture.leaseOf(worker);
        assertTrue(fixture.journal.append(lease, List.of(JournalStep.of(1, "model_response", "{\"turn\":1}")), 1));
        RunCompletion completion = new RunCompletion(lease.runId(), worker, RunStatus.SUCCEEDED, null, "All done.", 1, 1,
                0, false, "[]", List.of(), List.of()).withSteps(List.of(
                        JournalStep.of(2, "tool_output", "{\"call_id\":\"c1\"}"),
                        JournalStep.of(3, "run_succeeded", "{\"status\":\"succeeded\",\"reply\":\"All done.\"}")));

        assertTrue(completions.complete(completion));

        assertEquals(List.of(new RunFixture.StoredStep(1, "model_response", lease.epoch()),
                new RunFixture.StoredStep(2, "tool_output", lease.epoch()),
                new RunFixture.StoredStep(3, "run_succeeded", lease.epoch())), fixture.storedSteps(lease.runId()));
        assertEquals(new JsonObject().put("status", "succeeded").put("reply", "All done."),
                new JsonObject(fixture.journal.all(lease.runId()).getLast().payloadJson()));
        RunRecord done = reads.findAny(lease.runId()).orElseThrow();
        assertEquals(3, done.stepCount());
        assertEquals("run_succeeded", done.lastStep());
        assertEquals(1, done.turns());
    }

    @Test
    void a_refused_completion_writes_no_steps() {
        String worker = fixture.claimOne(LEASE);
        RunRecord running = fixture.runningOf(worker);

        assertFalse(completions.complete(new RunCompletion(running.runId(), "impostor", RunStatus.FAILED, "Error", null,
                0, 0, 0, false, "[]", List.of(), List.of()).withSteps(List.of(JournalStep.of(1, "run_failed", "{}")))));

        assertEquals(List.of(), fixture.storedSteps(running.runId()));
        assertEquals(0, reads.findAny(running.runId()).orElseThrow().stepCount());
    }

    @Test
    void cancelling_a_queued_run_ends_its_journal_with_run_cancelled() {
        RunRecord queued = submissions.submit(newRun(principal(), null, null)).run();

        completions.requestCancel(queued.runId(), queued.principal()).orElseThrow();

        assertEquals(List.of(new RunFixture.StoredStep(1, "run_cancelled", 0)), fixture.storedSteps(queued.runId()));
        JsonObject payload = new JsonObject(fixture.journal.all(queued.runId()).getFirst().payloadJson());
        assertEquals("cancelled", payload.getString("status"));
        assertEquals("Cancelled", payload.getString("reason"));
        assertNotNull(payload.getString("message"));
        RunRecord cancelled = reads.findAny(queued.runId()).orElseThrow();
        assertEquals(1, cancelled.stepCount());
        assertEquals("run_cancelled", cancelled.lastStep());
    }

    @Test
    void cancelling_a_released_run_appends_run_cancelled_after_its_steps() {
        String worker = fixture.claimOne(LEASE);
        RunJournal.Lease lease = fixture.leaseOf(worker);
        assertTrue(fixture.journal.append(lease, List.of(JournalStep.of(1, "agent_started", "{}"),
                JournalStep.of(2, "model_response", "{}")), 1));
        assertEquals(List.of(lease.runId()), fixture.queue.release(worker, List.of(lease.runId())));
        RunRecord released = reads.findAny(lease.runId()).orElseThrow();

        completions.requestCancel(lease.runId(), released.principal()).orElseThrow();

        assertEquals(new RunFixture.StoredStep(3, "run_cancelled", lease.epoch()),
                fixture.storedSteps(lease.runId()).getLast());
        RunRecord cancelled = reads.findAny(lease.runId()).orElseThrow();
        assertEquals(RunStatus.CANCELLED, cancelled.status());
        assertEquals(3, cancelled.stepCount());
        assertEquals("run_cancelled", cancelled.lastStep());
    }
}
