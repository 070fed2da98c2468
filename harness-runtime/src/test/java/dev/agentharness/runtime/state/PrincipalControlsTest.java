package dev.agentharness.runtime.state;

import static dev.agentharness.runtime.state.RunFixture.LEASE;
import static dev.agentharness.runtime.state.RunFixture.newRun;
import static dev.agentharness.runtime.state.RunFixture.principal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.RunStatus;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kill switch's statements: a suspension fails the principal's queued runs (terminal journal step, audit) and only
 * theirs, the heartbeat reports the suspended principal's running runs (how every replica learns of it), resume lifts
 * it, each audited with the acting admin.
 */
class PrincipalControlsTest {

    private static RunFixture fixture;
    private static PrincipalControls controls;

    @BeforeAll
    static void database() {
        fixture = RunFixture.migrated();
        controls = new PrincipalControls(fixture.pool);
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    @Test
    void suspensionFailsQueuedRuns_theHeartbeatReportsRunningOnes_resumeLiftsIt() {
        fixture.drainQueue();
        String tenant = principal();
        String neighbour = principal();
        String running = fixture.submissions.submit(newRun(tenant, null, null)).run().runId();
        String worker = "worker-kill";
        assertEquals(1, fixture.queue.claimQueued(worker, 1, LEASE).size());
        String queued = fixture.submissions.submit(newRun(tenant, null, null)).run().runId();
        String other = fixture.submissions.submit(newRun(neighbour, null, null)).run().runId();

        PrincipalControls.Suspension suspension = controls.suspend(tenant, "root", "runaway");

        assertTrue(suspension.control().suspended());
        assertEquals("root", suspension.control().suspendedBy());
        assertEquals(List.of(queued), suspension.failedQueuedRuns());
        RunRecord failed = fixture.reads.findAny(queued).orElseThrow();
        assertEquals(RunStatus.FAILED, failed.status());
        assertEquals("Suspended", failed.reason());
        assertEquals(List.of("run_failed"), fixture.storedSteps(queued).stream().map(RunFixture.StoredStep::kind).toList());
        assertEquals(RunStatus.QUEUED, fixture.reads.findAny(other).orElseThrow().status(), "another tenant's run");
        assertEquals(RunStatus.RUNNING, fixture.reads.findAny(running).orElseThrow().status(),
                "a running run is stopped by its worker, which records its end");

        RunQueue.Heartbeat beat = fixture.queue.heartbeat(fixture.pool, worker, List.of(running), LEASE);
        assertEquals(Set.of(running), beat.held());
        assertEquals(Set.of(running), beat.suspended());

        assertTrue(controls.resume(tenant, "root").isPresent());
        assertFalse(controls.find(tenant).orElseThrow().suspended());
        assertTrue(controls.resume(tenant, "root").isEmpty(), "resuming twice changes and audits nothing");
        assertEquals(Set.of(), fixture.queue.heartbeat(fixture.pool, worker, List.of(running), LEASE).suspended());

        List<String> audit = new ArrayList<>();
        fixture.execute("SELECT action, run_id, detail->>'by' AS by FROM public.audit_log WHERE principal = $1 "
                        + "AND action IN ('principal.suspended', 'principal.resumed', 'run.failed') ORDER BY id",
                Tuple.of(tenant)).forEach(row -> audit.add(row.getString("action") + " "
                + row.getString("run_id") + " " + row.getString("by")));
        assertEquals(List.of("principal.suspended null root", "run.failed " + queued + " root",
                "principal.resumed null root"), audit);
        fixture.drainQueue();
    }

    @Test
    void anAlertEventIsRaisedOncePerPrincipalKindAndPeriod() {
        AlertEvents events = new AlertEvents(fixture.pool);
        String tenant = principal();
        assertTrue(events.raise(tenant, "budget_exhausted", "2026-12-04", "{}"));
        assertFalse(events.raise(tenant, "budget_exhausted", "2026-12-04", "{}"), "a second replica sends nothing");
        assertTrue(events.raise(tenant, "budget_exhausted", "2026-12-05", "{}"), "the next day is a new event");
        assertTrue(events.raise(tenant, "cost_spike", "2026-12-04", "{}"));
    }
}
