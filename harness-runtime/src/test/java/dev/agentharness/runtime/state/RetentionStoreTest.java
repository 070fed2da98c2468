package dev.agentharness.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.RunStatus;
import dev.agentharness.runtime.runs.RetentionJob;
import dev.agentharness.runtime.runs.RetentionSettings;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The retention job against real PostgreSQL (run twice by surefire: embedded, and through PgBouncer in transaction
 * mode). Time moves by handing the job a later {@link Clock}, never by sleeping.
 */
class RetentionStoreTest {

    private static final Duration LEASE = Duration.ofMinutes(5);
    private static final String PRINCIPAL = "retention-user";
    private static TestDatabase db;
    private static Pool pool;
    private static RunSubmissions submissions;
    private static RunQueue queue;
    private static RunCompletions completions;
    private static RunReads reads;
    private static RetentionStore retention;

    @BeforeAll
    static void database() {
        db = TestDatabase.migrated();
        pool = db.pool();
        submissions = new RunSubmissions(pool);
        queue = new RunQueue(pool);
        completions = new RunCompletions(pool);
        reads = new RunReads(pool);
        retention = new RetentionStore(pool);
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @Test
    void oldFinishedRunsAuditAndKeysGoWhileQueuedRunningAndRecentOnesStay() throws Exception {
        // Five finished runs (more than one batch of 2), each with a trace, an artifact row and audit lines.
        List<String> finished = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            finished.add(submissions.submit(newRun("done-key-" + i)).run().runId());
        }
        assertEquals(5, queue.claimQueued("w-done", 5, LEASE).size());
        for (String runId : finished) {
            assertTrue(completions.complete(new RunCompletion(runId, "w-done", RunStatus.SUCCEEDED, null, "ok", 1, 1, 0,
                    false, "[{\"name\": \"agent\"}]",
                    List.of(new ArtifactRow("reply.md", "outputs/" + runId + "/reply.md", 2, "ab".repeat(32), "text/markdown")),
                    List.of(new AuditEntry(PRINCIPAL, runId, "run.succeeded", null)))));
        }
        String running = submissions.submit(newRun("running-key")).run().runId();
        assertEquals(List.of(running), queue.claimQueued("w-live", 5, LEASE).stream().map(RunRecord::runId).toList());
        String queued = submissions.submit(newRun("queued-key")).run().runId();
        Instant now = Instant.now();

        // Day 8: keys of finished runs are past their 7 days; nothing is old enough to delete.
        RetentionJob.Pass day8 = job(now.plus(Duration.ofDays(8))).enforce();

        assertEquals(new RetentionJob.Pass(0, 0, 5), day8);
        assertEquals(7, count("SELECT count(*) FROM public.runs"));
        for (String runId : finished) {
            assertNull(reads.findAny(runId).orElseThrow().idempotencyKey(), "key of a finished run freed");
        }
        assertEquals("running-key", reads.findAny(running).orElseThrow().idempotencyKey(), "a running run keeps its key");
        assertEquals("queued-key", reads.findAny(queued).orElseThrow().idempotencyKey(), "a queued run keeps its key");
        SubmitOutcome reused = submissions.submit(newRun("done-key-0"));
        assertTrue(reused.created(), "a freed key starts a new run");
        assertFalse(finished.contains(reused.run().runId()));
        assertFalse(submissions.submit(newRun("queued-key")).created(), "a kept key still answers with its run");

        // Day 91, two replicas at once: the five old finished runs go, with traces and artifact rows.
        List<RetentionJob.Pass> passes = new ArrayList<>();
        try (ExecutorService replicas = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<RetentionJob.Pass>> futures = List.of(
                    replicas.submit(() -> job(now.plus(Duration.ofDays(91))).enforce()),
                    replicas.submit(() -> job(now.plus(Duration.ofDays(91))).enforce()));
            for (Future<RetentionJob.Pass> f : futures) {
                passes.add(f.get());
            }
        }

        assertEquals(5, passes.stream().mapToInt(RetentionJob.Pass::runsDeleted).sum(), "each run deleted once");
        assertEquals(0, count("SELECT count(*) FROM public.runs WHERE id = ANY($1)", (Object) finished.toArray(String[]::new)));
        assertEquals(0, count("SELECT count(*) FROM public.traces WHERE run_id = ANY($1)", (Object) finished.toArray(String[]::new)));
        assertEquals(0, count("SELECT count(*) FROM public.artifacts WHERE run_id = ANY($1)", (Object) finished.toArray(String[]::new)));
        assertEquals(RunStatus.RUNNING, reads.findAny(running).orElseThrow().status(), "a running run is never deleted");
        assertEquals(RunStatus.QUEUED, reads.findAny(queued).orElseThrow().status(), "a queued run is never deleted");
        assertEquals(RunStatus.QUEUED, reads.findAny(reused.run().runId()).orElseThrow().status());
        long auditBefore = count("SELECT count(*) FROM public.audit_log");
        assertTrue(auditBefore >= 13, "audit entries outlive their runs (365 days): " + auditBefore);

        // Day 366: the audit log goes too; the unfinished runs are still there.
        RetentionJob.Pass day366 = job(now.plus(Duration.ofDays(366))).enforce();

        assertEquals(auditBefore, day366.auditDeleted());
        assertEquals(0, count("SELECT count(*) FROM public.audit_log"));
        assertEquals(3, count("SELECT count(*) FROM public.runs"));
    }

    @Test
    void zeroKeepsForever() {
        String runId = submissions.submit(newRun("forever-" + UUID.randomUUID())).run().runId();
        completions.requestCancel(runId, PRINCIPAL);
        assertEquals(RunStatus.CANCELLED, reads.findAny(runId).orElseThrow().status());

        RetentionJob.Pass pass = new RetentionJob(retention, settings(0, 0, 0),
                Clock.fixed(Instant.now().plus(Duration.ofDays(10_000)), ZoneOffset.UTC)).enforce();

        assertEquals(new RetentionJob.Pass(0, 0, 0), pass);
        assertTrue(reads.findAny(runId).orElseThrow().idempotencyKey().startsWith("forever-"));
        // The other test counts every row of this (per-class) database.
        Blocking.await(pool.preparedQuery("DELETE FROM public.runs WHERE id = $1").execute(Tuple.of(runId)),
                Duration.ofSeconds(10));
    }

    private static RetentionJob job(Instant at) {
        return new RetentionJob(retention, settings(90, 365, 7), Clock.fixed(at, ZoneOffset.UTC));
    }

    private static RetentionSettings settings(int runsDays, int auditDays, int idempotencyDays) {
        return new RetentionSettings() {
            public int runsDays() { return runsDays; }
            public int auditDays() { return auditDays; }
            public int idempotencyDays() { return idempotencyDays; }
            public int batchSize() { return 2; }
            public String interval() { return "1h"; }
        };
    }

    private static NewRun newRun(String idempotencyKey) {
        String runId = "run-" + UUID.randomUUID();
        return new NewRun(runId, "s-" + runId, PRINCIPAL, "maya", "gpt-5.4-mini", "hello", "{\"message\":\"hello\"}",
                "hash-1", idempotencyKey, 10, null, false, "trace-" + runId);
    }

    private static long count(String sql, Object... args) {
        return Blocking.await(pool.preparedQuery(sql).execute(Tuple.from(args)), Duration.ofSeconds(10))
                .iterator().next().getLong(0);
    }
}
