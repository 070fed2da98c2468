package dev.agentharness.operator.agentrun;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunPhase;
import dev.agentharness.crds.v1alpha1.RunProgress;
import dev.agentharness.operator.testing.Cluster;
import dev.agentharness.operator.testing.FakeHarness;
import dev.agentharness.operator.testing.FakeHarnessResource;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code status.progress} follows the harness's run journal while the run runs and stays once it finished; a run that
 * another harness replica took over is announced by exactly one {@code Resumed} Event per move. FAKE harness over
 * HTTP, fabric8 mock API server in CRUD mode.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@WithTestResource(FakeHarnessResource.class)
class AgentRunProgressTest {

    static final String NS = "progress";

    @Inject
    KubernetesClient client;

    Cluster cluster;
    FakeHarness fake;

    @BeforeEach
    void setUp() {
        cluster = new Cluster(client, NS);
        fake = FakeHarnessResource.fake();
        fake.onCreate(null);
    }

    String runOf(String name) {
        await().atMost(Cluster.WAIT).until(() -> fake.runFor(NS, name).isPresent());
        return fake.runFor(NS, name).orElseThrow();
    }

    AgentRun awaitProgress(String name, RunProgress expected) {
        return cluster.awaitRun(name, run -> run.getStatus() != null
                && Objects.equals(expected, run.getStatus().getProgress()), "progress " + describe(expected));
    }

    static String describe(RunProgress p) {
        return p.getTurns() + " turns, " + p.getSteps() + " steps, last " + p.getLastStep() + ", attempts "
                + p.getAttempts() + ", recoveries " + p.getRecoveries();
    }

    List<Event> resumedEvents(String name) {
        return cluster.events(name).stream().filter(e -> "Resumed".equals(e.getReason())).toList();
    }

    @Test
    void progressShowsWhileRunningMovesWithTheJournalAndStaysAtTheEnd() {
        cluster.create(Cluster.agentRun("progressing", s -> { }));
        String runId = runOf("progressing");
        awaitProgress("progressing", new RunProgress(0, 0, null, 0, 0));

        fake.start(runId);
        AgentRun running = awaitProgress("progressing", new RunProgress(0, 0, null, 1, 0));
        assertEquals(AgentRunPhase.Running, running.getStatus().getPhase());

        fake.progress(runId, 1, 3, "tool_started");
        awaitProgress("progressing", new RunProgress(1, 3, "tool_started", 1, 0));
        fake.progress(runId, 2, 5, "model_response");
        awaitProgress("progressing", new RunProgress(2, 5, "model_response", 1, 0));

        fake.succeed(runId, "Hi Jonas.");
        AgentRun done = cluster.awaitSucceeded("progressing", "True", "Succeeded");
        assertEquals(new RunProgress(2, 6, "run_succeeded", 1, 0), done.getStatus().getProgress(),
                describe(done.getStatus().getProgress()));
        assertFalse(cluster.eventReasons("progressing").contains("Resumed"), "it never moved: "
                + cluster.eventReasons("progressing"));
    }

    @Test
    void aRunResumedOnAnotherReplicaYieldsExactlyOneResumedEvent() {
        cluster.create(Cluster.agentRun("resumed", s -> { }));
        String runId = runOf("resumed");
        fake.start(runId);
        fake.progress(runId, 2, 7, "tool_output");
        awaitProgress("resumed", new RunProgress(2, 7, "tool_output", 1, 0));

        fake.resumeElsewhere(runId);
        awaitProgress("resumed", new RunProgress(2, 7, "tool_output", 2, 1));
        // The run keeps changing after the move (and the feed re-delivers it): none of that is another move.
        fake.touch(runId);
        fake.progress(runId, 3, 9, "model_response");
        awaitProgress("resumed", new RunProgress(3, 9, "model_response", 2, 1));
        fake.touch(runId);
        fake.succeed(runId, "Hi Jonas.");
        AgentRun done = cluster.awaitSucceeded("resumed", "True", "Succeeded");
        assertEquals(new RunProgress(3, 10, "run_succeeded", 2, 1), done.getStatus().getProgress());

        List<Event> resumed = resumedEvents("resumed");
        assertEquals(1, resumed.size(), "one move, one Event: " + cluster.eventReasons("resumed"));
        assertEquals("Normal", resumed.getFirst().getType());
        assertEquals("run " + runId + " resumed on another replica (attempt 2, recovery 1) after step 7 (tool_output)",
                resumed.getFirst().getMessage());
        assertEquals("AgentRun", resumed.getFirst().getInvolvedObject().getKind());
    }

    @Test
    void eachMoveIsOneEvent_theQueuedInterludeIsNone() {
        cluster.create(Cluster.agentRun("moved-twice", s -> { }));
        String runId = runOf("moved-twice");
        fake.start(runId);
        fake.progress(runId, 1, 4, "tool_started");
        awaitProgress("moved-twice", new RunProgress(1, 4, "tool_started", 1, 0));

        // Its replica died: the lease sweep queues it again. Nothing resumed yet, so no Event.
        fake.requeue(runId, true);
        AgentRun queued = awaitProgress("moved-twice", new RunProgress(1, 4, "tool_started", 1, 1));
        assertEquals(AgentRunPhase.Queued, queued.getStatus().getPhase());
        assertEquals(List.of(), resumedEvents("moved-twice"));

        fake.start(runId);
        awaitProgress("moved-twice", new RunProgress(1, 4, "tool_started", 2, 1));
        fake.progress(runId, 2, 6, "model_response");
        awaitProgress("moved-twice", new RunProgress(2, 6, "model_response", 2, 1));

        // Then the replica running it drained and released it; a third one claims it.
        fake.requeue(runId, false);
        fake.start(runId);
        awaitProgress("moved-twice", new RunProgress(2, 6, "model_response", 3, 1));

        List<String> messages = resumedEvents("moved-twice").stream().map(Event::getMessage).toList();
        assertEquals(List.of(
                "run " + runId + " resumed on another replica (attempt 2, recovery 1) after step 4 (tool_started)",
                // Counts so far: the third claim, after one recovery (this move itself was a release).
                "run " + runId + " resumed on another replica (attempt 3, recovery 1) after step 6 (model_response)"),
                messages.stream().sorted().toList());
    }

    @Test
    void aViewThatChangesNothingInTheStatusPatchesNothing() {
        cluster.create(Cluster.agentRun("unchanged", s -> { }));
        String runId = runOf("unchanged");
        fake.start(runId);
        fake.progress(runId, 1, 2, "model_response");
        String written = awaitProgress("unchanged", new RunProgress(1, 2, "model_response", 1, 0))
                .getMetadata().getResourceVersion();

        // A new updated_at and nothing else: the feed delivers it, the reconciler builds the same status.
        fake.touch(runId);
        long polls = FakeHarnessResource.server().count("GET", "/runs?");
        await().atMost(Cluster.WAIT).until(() -> FakeHarnessResource.server().count("GET", "/runs?") >= polls + 3);
        assertEquals(written, cluster.get("unchanged").orElseThrow().getMetadata().getResourceVersion(),
                "no status patch for a view that changes nothing in it");

        fake.progress(runId, 2, 4, "model_response");
        AgentRun moved = awaitProgress("unchanged", new RunProgress(2, 4, "model_response", 1, 0));
        assertFalse(written.equals(moved.getMetadata().getResourceVersion()), "a change is patched");
    }
}
