package dev.agentharness.operator.agentrun;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunPhase;
import dev.agentharness.operator.testing.Cluster;
import dev.agentharness.operator.testing.FakeHarness;
import dev.agentharness.operator.testing.FakeHarnessResource;
import dev.agentharness.operator.testing.FakeHarnessServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The harness goes away, answers 5xx, refuses the token, loses a response; the operator restarts
 * mid-run. In every case: no failure while the harness is unavailable, and never a second run —
 * counted in the fake harness's own record of runs it created (each one a model conversation).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@WithTestResource(FakeHarnessResource.class)
class AgentRunResilienceTest {

    static final String NS = "resilience";

    @Inject
    KubernetesClient client;

    @Inject
    AgentRunReconciler reconciler;

    Cluster cluster;
    FakeHarness fake;
    FakeHarnessServer server;

    @BeforeEach
    void setUp() {
        cluster = new Cluster(client, NS);
        server = FakeHarnessResource.server();
        fake = server.harness();
        fake.onCreate(null);
    }

    @AfterEach
    void harnessBackUp() {
        server.up();
        server.failNextSubmissions(0, 503);
        server.loseNextSubmitResponses(0);
    }

    String runOf(String name) {
        await().atMost(Cluster.WAIT).until(() -> fake.runFor(NS, name).isPresent());
        return fake.runFor(NS, name).orElseThrow();
    }

    @Test
    void harnessUnreachable_theAgentRunWaitsWithBackoffAndIsSubmittedOnceWhenItReturns() {
        server.down();
        cluster.create(Cluster.agentRun("while-down", s -> { }));
        AgentRun waiting = cluster.awaitSucceeded("while-down", "Unknown", "HarnessUnavailable");
        String message = Cluster.succeeded(waiting).orElseThrow().getMessage();
        assertTrue(message.startsWith("the harness is unreachable ("), message);
        assertTrue(message.contains("retrying with exponential backoff"), message);
        assertFalse(message.contains("127.0.0.1"), "no URL in the status: " + message);
        assertEquals(AgentRunPhase.Pending, waiting.getStatus().getPhase());
        // It keeps retrying (the attempt count moves) and never fails.
        await().atMost(Cluster.WAIT).until(() -> Cluster.succeeded(cluster.get("while-down").orElseThrow()).orElseThrow()
                .getMessage().matches(".*attempt ([3-9]|\\d\\d+).*"));
        assertEquals("Unknown", Cluster.succeeded(cluster.get("while-down").orElseThrow()).orElseThrow().getStatus());

        server.up();
        String runId = runOf("while-down");
        fake.succeed(runId, "back");
        AgentRun done = cluster.awaitSucceeded("while-down", "True", "Succeeded");
        assertEquals("back", done.getStatus().getReply());
        assertEquals(List.of(runId), fake.runsCreatedFor(NS, "while-down"), "exactly one run");
        assertEquals(1, fake.submissionsFor(NS, "while-down").size(), "nothing reached the harness while it was down");
        assertTrue(cluster.eventReasons("while-down").contains("HarnessUnavailable"));
    }

    /**
     * The reconciler has four threads in tests (application.properties) and submits off them: two dozen
     * submissions stuck at the harness neither hold back the status of a run that finished meanwhile nor
     * put more than {@code HARNESS_SUBMIT_CONCURRENCY} (16) requests on the wire, and each still gets exactly
     * one run once the harness answers.
     */
    @Test
    void submissionsStuckAtTheHarness_holdNoFinishedRunBack() {
        cluster.create(Cluster.agentRun("finishes-first", s -> { }));
        String runId = runOf("finishes-first");
        cluster.awaitSucceeded("finishes-first", "Unknown", "Queued");
        List<String> held = java.util.stream.IntStream.range(0, 24).mapToObj(i -> "held-" + i).toList();
        server.holdSubmissions();
        try {
            held.forEach(name -> cluster.create(Cluster.agentRun(name, s -> { })));
            await().atMost(Cluster.WAIT).until(() -> server.heldSubmissions() == 16);

            fake.succeed(runId, "done while two dozen submissions wait");
            AgentRun done = cluster.awaitSucceeded("finishes-first", "True", "Succeeded");
            assertEquals("done while two dozen submissions wait", done.getStatus().getReply());
            assertEquals(16, server.heldSubmissions(), "at most 16 submissions on the wire");
            assertTrue(held.stream().allMatch(name -> fake.runFor(NS, name).isEmpty()), "none answered yet");
        } finally {
            server.releaseSubmissions();
        }
        for (String name : held) {
            AgentRun queued = cluster.awaitSucceeded(name, "Unknown", "Queued");
            assertEquals(List.of(queued.getStatus().getRunId()), fake.runsCreatedFor(NS, name), "exactly one run");
        }
    }

    /** Deleted while its submission is on the wire: the finalizer waits for the answer and cancels the run it names. */
    @Test
    void deletedWhileItsSubmissionIsOnTheWire_theRunIsCancelledNotOrphaned() {
        server.holdSubmissions();
        try {
            cluster.create(Cluster.agentRun("deleted-mid-submit", s -> { }));
            await().atMost(Cluster.WAIT).until(() -> server.heldSubmissions() == 1);
            cluster.delete("deleted-mid-submit");
            await().during(java.time.Duration.ofMillis(600)).atMost(Cluster.WAIT)
                    .until(() -> cluster.get("deleted-mid-submit").isPresent());
        } finally {
            server.releaseSubmissions();
        }
        cluster.awaitGone("deleted-mid-submit");
        String runId = fake.runFor(NS, "deleted-mid-submit").orElseThrow();
        assertTrue(fake.cancels().contains(runId), "the run created by the late answer is cancelled");
        assertEquals(List.of(runId), fake.runsCreatedFor(NS, "deleted-mid-submit"), "and it is the only one");
    }

    @Test
    void harnessAnswers503_thenRecovers_withExactlyOneRun() {
        server.failNextSubmissions(3, 503);
        cluster.create(Cluster.agentRun("five-o-three", s -> { }));
        AgentRun waiting = cluster.awaitSucceeded("five-o-three", "Unknown", "HarnessUnavailable");
        assertTrue(Cluster.succeeded(waiting).orElseThrow().getMessage().startsWith("the harness answered 503"));
        String runId = runOf("five-o-three");
        fake.succeed(runId, "ok");
        cluster.awaitSucceeded("five-o-three", "True", "Succeeded");
        assertEquals(List.of(runId), fake.runsCreatedFor(NS, "five-o-three"));
    }

    @Test
    void harnessRefusesTheToken_isUnavailableNotFailed_andTheTokenNeverShows() {
        server.failNextSubmissions(2, 401);
        cluster.create(Cluster.agentRun("unauthorized", s -> { }));
        AgentRun waiting = cluster.awaitSucceeded("unauthorized", "Unknown", "HarnessUnavailable");
        String message = Cluster.succeeded(waiting).orElseThrow().getMessage();
        assertTrue(message.contains("the harness refused the operator's API token (401); check HARNESS_API_TOKEN"), message);
        assertFalse(message.contains(FakeHarnessResource.TOKEN));
        String runId = runOf("unauthorized");
        fake.succeed(runId, "ok");
        cluster.awaitSucceeded("unauthorized", "True", "Succeeded");
        assertEquals(1, fake.runsCreatedFor(NS, "unauthorized").size());
    }

    @Test
    void aLostSubmitResponseIsRetriedWithTheSameKeyAndGetsTheSameRun() {
        server.loseNextSubmitResponses(1);
        cluster.create(Cluster.agentRun("lost-response", s -> { }));
        String runId = runOf("lost-response"); // created by the first POST, whose answer never arrived
        AgentRun queued = cluster.awaitRun("lost-response",
                r -> r.getStatus() != null && runId.equals(r.getStatus().getRunId()), "the run id");
        List<FakeHarness.Submission> submissions = fake.submissionsFor(NS, "lost-response");
        assertEquals(2, submissions.size(), "the POST was retried");
        assertEquals(submissions.get(0).idempotencyKey(), submissions.get(1).idempotencyKey());
        assertEquals(submissions.get(0).request(), submissions.get(1).request(), "the same body, byte for byte in meaning");
        assertEquals(List.of(runId), fake.runsCreatedFor(NS, "lost-response"), "one run, not two");
        assertEquals(queued.getStatus().getIdempotencyKey(), submissions.getFirst().idempotencyKey());
    }

    @Test
    void harnessDownMidRun_statusSaysSoAndTheRunFinishesWhenItIsBack() {
        cluster.create(Cluster.agentRun("down-mid-run", s -> { }));
        String runId = runOf("down-mid-run");
        fake.start(runId);
        cluster.awaitSucceeded("down-mid-run", "Unknown", "Running");
        server.down();
        AgentRun waiting = cluster.awaitSucceeded("down-mid-run", "Unknown", "HarnessUnavailable");
        assertEquals(AgentRunPhase.Running, waiting.getStatus().getPhase());
        assertTrue(Cluster.succeeded(waiting).orElseThrow().getMessage().contains("run " + runId + " is unaffected"));
        fake.succeed(runId, "finished while we could not look");
        server.up();
        AgentRun done = cluster.awaitSucceeded("down-mid-run", "True", "Succeeded");
        assertEquals("finished while we could not look", done.getStatus().getReply());
        assertEquals(1, fake.submissionsFor(NS, "down-mid-run").size());
    }

    @Test
    void operatorRestartMidRun_withItsStatusWritten_followsTheRunWithoutResubmitting() {
        cluster.create(Cluster.agentRun("restart-kept", s -> { }));
        String runId = runOf("restart-kept");
        fake.start(runId);
        cluster.awaitSucceeded("restart-kept", "Unknown", "Running");
        long directReads = server.count("GET", "/runs/" + runId);

        reconciler.feed().forgetAll(); // all the operator keeps in memory, gone as in a restart
        cluster.edit("restart-kept", run -> run.getSpec().setCancel(false)); // a new generation: reconciled afresh

        await().atMost(Cluster.WAIT).until(() -> server.count("GET", "/runs/" + runId) > directReads);
        fake.succeed(runId, "after the restart");
        assertEquals("after the restart", cluster.awaitSucceeded("restart-kept", "True", "Succeeded").getStatus().getReply());
        assertEquals(1, fake.submissionsFor(NS, "restart-kept").size(), "no second POST /runs");
    }

    @Test
    void operatorCrashBetweenSubmitAndStatusWrite_resubmitsWithTheSameKeyAndReattaches() {
        cluster.create(Cluster.agentRun("restart-lost", s -> { }));
        String runId = runOf("restart-lost");
        cluster.awaitSucceeded("restart-lost", "Unknown", "Queued");
        fake.start(runId);

        // The crash: the run exists on the harness, but the status that names it was never written.
        client.resources(AgentRun.class).inNamespace(NS).withName("restart-lost").editStatus(run -> {
            run.getStatus().setRunId(null);
            run.getStatus().setIdempotencyKey(null);
            run.getStatus().setConditions(new ArrayList<>());
            return run;
        });
        reconciler.feed().forgetAll();
        cluster.edit("restart-lost", run -> run.getSpec().setCancel(false));

        AgentRun reattached = cluster.awaitSucceeded("restart-lost", "Unknown", "Running");
        assertEquals(runId, reattached.getStatus().getRunId());
        List<FakeHarness.Submission> submissions = fake.submissionsFor(NS, "restart-lost");
        assertEquals(2, submissions.size());
        assertEquals(submissions.get(0).idempotencyKey(), submissions.get(1).idempotencyKey());
        assertEquals(List.of(runId), fake.runsCreatedFor(NS, "restart-lost"), "the harness returned the same run");
        fake.succeed(runId, "once");
        cluster.awaitSucceeded("restart-lost", "True", "Succeeded");
    }

    @Test
    void deletingARunningAgentRunWhileTheHarnessIsDown_keepsTheFinalizerUntilItCanCancel() {
        cluster.create(Cluster.agentRun("delete-while-down", s -> { }));
        String runId = runOf("delete-while-down");
        fake.start(runId);
        cluster.awaitSucceeded("delete-while-down", "Unknown", "Running");
        server.down();
        cluster.delete("delete-while-down");
        await().during(java.time.Duration.ofSeconds(2)).atMost(Cluster.WAIT)
                .until(() -> cluster.get("delete-while-down").isPresent());
        assertFalse(fake.cancels().contains(runId));
        server.up();
        cluster.awaitGone("delete-while-down");
        assertTrue(fake.cancels().contains(runId), "cancelled once the harness was back");
    }
}
