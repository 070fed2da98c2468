package dev.agentharness.operator.agentrun;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.ArtifactRef;
import dev.agentharness.api.RunRequest;
import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunPhase;
import dev.agentharness.crds.v1alpha1.AgentRunStatus;
import dev.agentharness.operator.testing.Cluster;
import dev.agentharness.operator.testing.FakeHarness;
import dev.agentharness.operator.testing.FakeHarnessResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An AgentRun from creation to every way it can end, against the FAKE harness over HTTP and the
 * fabric8 mock API server in CRUD mode. Each test names the reason of the Succeeded condition it
 * proves.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@WithTestResource(FakeHarnessResource.class)
class AgentRunLifecycleTest {

    static final String NS = "lifecycle";

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

    @Test
    void succeeded_mayaAnswersAndTheStatusCarriesReplyUsageArtifactsAndTrace() {
        cluster.create(Cluster.agentRun("maya-ok", s -> s.setSaveArtifact(true)));
        String runId = runOf("maya-ok");

        AgentRun queued = cluster.awaitSucceeded("maya-ok", "Unknown", "Queued");
        assertEquals(AgentRunPhase.Queued, queued.getStatus().getPhase());
        assertEquals(runId, queued.getStatus().getRunId());

        fake.start(runId);
        AgentRun running = cluster.awaitSucceeded("maya-ok", "Unknown", "Running");
        assertEquals(AgentRunPhase.Running, running.getStatus().getPhase());

        fake.succeed(runId, "Hi Jonas, I am sorry your card was declined.",
                new ArtifactRef("reply.md", "outputs/" + runId + "/reply.md", 44, "ab".repeat(32), "text/markdown"));
        AgentRun done = cluster.awaitSucceeded("maya-ok", "True", "Succeeded");
        AgentRunStatus status = done.getStatus();
        assertEquals(AgentRunPhase.Succeeded, status.getPhase());
        assertEquals("Hi Jonas, I am sorry your card was declined.", status.getReply());
        assertNull(status.getReplyTruncated());
        assertEquals(1200L, status.getUsage().getInputTokens());
        assertEquals(800L, status.getUsage().getCachedInputTokens(), "the prompt-cache share of the input is shown");
        assertEquals(340L, status.getUsage().getOutputTokens());
        assertEquals("0.00042", status.getUsage().getCostUsd());
        assertEquals("reply.md", status.getArtifacts().getFirst().getName());
        assertEquals("outputs/" + runId + "/reply.md", status.getArtifacts().getFirst().getKey());
        assertEquals(44L, status.getArtifacts().getFirst().getSize());
        // The harness continued the operator's trace (OperatorTracingTest proves it is the reconcile span's).
        assertEquals(fake.getRun(runId).traceId(), status.getTraceId());
        assertTrue(status.getTraceId().matches("[0-9a-f]{32}"), status.getTraceId());
        assertNotNull(status.getStartTime());
        assertNotNull(status.getCompletionTime());
        assertTrue(status.getDuration().matches("\\d+s"), status.getDuration());
        assertEquals(done.getMetadata().getGeneration(), status.getObservedGeneration());
        assertTrue(done.getMetadata().getFinalizers().contains(AgentRunReconciler.FINALIZER));
        assertTrue(!io.fabric8.kubernetes.client.utils.Serialization.asJson(done).contains("SIGNED-LINK"),
                "expiring links are never stored in the resource");
        // One Event for the whole life of a successful AgentRun: the steps before are in its status, not in Events.
        await().atMost(Cluster.WAIT).untilAsserted(() -> assertEquals(List.of("Succeeded"),
                cluster.eventReasons("maya-ok")));
    }

    @Test
    void theRequestIsTheSpecWithAnIdempotencyKeyFromNamespaceNameAndSpecDigest() {
        AgentRun created = cluster.create(Cluster.agentRun("request-shape", s -> {
            s.setMaxTurns(7);
            s.setTimeoutSeconds(600);
            s.setModel("gpt-5.4-mini");
            s.setSessionId("ses-jonas-1");
        }));
        String runId = runOf("request-shape");
        FakeHarness.Submission submission = fake.submissionsFor(NS, "request-shape").getFirst();
        RunRequest request = submission.request();
        assertEquals(created.getSpec().getInput(), request.message());
        assertEquals("maya", request.agent());
        assertEquals(7, request.maxTurns());
        assertEquals(600, request.timeoutSeconds());
        assertEquals("gpt-5.4-mini", request.model());
        assertEquals(NS + ".ses-jonas-1", request.sessionId(), "scoped to the namespace (NamespacedSession)");
        assertNull(request.manifest());
        assertEquals(Map.of("agentrun.namespace", NS, "agentrun.name", "request-shape"), request.metadata());
        String digest = RunSubmission.specDigest(created.getSpec());
        assertEquals("agentrun/" + NS + "/request-shape/" + digest.substring(0, 32), submission.idempotencyKey());
        AgentRun seen = cluster.awaitRun("request-shape", r -> r.getStatus() != null && runId.equals(r.getStatus().getRunId()),
                "its run id");
        assertEquals(submission.idempotencyKey(), seen.getStatus().getIdempotencyKey());
        assertTrue(FakeHarnessResource.server().authorizations().contains("Bearer " + FakeHarnessResource.TOKEN),
                "the operator authenticates with its API token");
    }

    @Test
    void failed_theHarnessReasonIsInTheMessage() {
        cluster.create(Cluster.agentRun("fails", s -> { }));
        String runId = runOf("fails");
        fake.start(runId);
        fake.fail(runId, "ModelUnavailable");
        AgentRun run = cluster.awaitSucceeded("fails", "False", "Failed");
        assertEquals(AgentRunPhase.Failed, run.getStatus().getPhase());
        assertTrue(Cluster.succeeded(run).orElseThrow().getMessage().contains("ModelUnavailable"));
        await().atMost(Cluster.WAIT).until(() -> cluster.eventReasons("fails").contains("Failed"));
        assertEquals("Warning", cluster.events("fails").stream().filter(e -> e.getReason().equals("Failed"))
                .findFirst().orElseThrow().getType());
    }

    @Test
    void maxTurnsExceeded_isItsOwnReason() {
        cluster.create(Cluster.agentRun("loops", s -> s.setMaxTurns(2)));
        String runId = runOf("loops");
        fake.fail(runId, "MaxTurnsExceeded");
        AgentRun run = cluster.awaitSucceeded("loops", "False", "MaxTurnsExceeded");
        assertEquals(AgentRunPhase.Failed, run.getStatus().getPhase());
    }

    @Test
    void timedOut_whenTheHarnessEndsTheRunTimedOut() {
        cluster.create(Cluster.agentRun("slow", s -> s.setTimeoutSeconds(600)));
        String runId = runOf("slow");
        fake.start(runId);
        fake.timeOut(runId);
        AgentRun run = cluster.awaitSucceeded("slow", "False", "TimedOut");
        assertEquals(AgentRunPhase.TimedOut, run.getStatus().getPhase());
    }

    @Test
    void timedOut_theOperatorCancelsARunThatOutlivesTimeoutSeconds() {
        cluster.create(Cluster.agentRun("stuck", s -> s.setTimeoutSeconds(1)));
        String runId = runOf("stuck");
        fake.start(runId); // and never finishes: the harness missed its own deadline (a long model call)
        AgentRun run = cluster.awaitSucceeded("stuck", "False", "TimedOut");
        assertTrue(fake.cancels().contains(runId), "the operator cancelled the run on the harness");
        assertTrue(Cluster.succeeded(run).orElseThrow().getMessage().contains("spec.timeoutSeconds=1"));
    }

    @Test
    void cancelled_settingSpecCancelCancelsTheRunningRun() {
        cluster.create(Cluster.agentRun("cancel-me", s -> { }));
        String runId = runOf("cancel-me");
        fake.start(runId);
        cluster.awaitSucceeded("cancel-me", "Unknown", "Running");
        cluster.edit("cancel-me", run -> run.getSpec().setCancel(true));
        AgentRun run = cluster.awaitSucceeded("cancel-me", "False", "Cancelled");
        assertEquals(AgentRunPhase.Cancelled, run.getStatus().getPhase());
        assertEquals(List.of(runId), fake.cancels().stream().filter(runId::equals).toList(), "cancelled exactly once");
        assertEquals(Boolean.TRUE, run.getStatus().getCancelRequested());
    }

    @Test
    void cancelled_anAgentRunCreatedCancelledNeverRuns() {
        cluster.create(Cluster.agentRun("born-cancelled", s -> s.setCancel(true)));
        cluster.awaitSucceeded("born-cancelled", "False", "Cancelled");
        assertEquals(List.of(), fake.submissionsFor(NS, "born-cancelled"));
    }

    @Test
    void validationFailed_aBadSpecFieldIsNamedAndNothingIsSubmitted() {
        cluster.create(Cluster.agentRun("zero-turns", s -> s.setMaxTurns(0)));
        AgentRun run = cluster.awaitSucceeded("zero-turns", "False", "ValidationFailed");
        assertTrue(Cluster.succeeded(run).orElseThrow().getMessage().startsWith("spec.maxTurns: must be between 1 and 100"),
                Cluster.succeeded(run).orElseThrow().getMessage());
        assertEquals(AgentRunPhase.Failed, run.getStatus().getPhase());
        assertEquals(List.of(), fake.submissionsFor(NS, "zero-turns"));

        cluster.create(Cluster.agentRun("blank-input", s -> s.setInput("   ")));
        assertTrue(Cluster.succeeded(cluster.awaitSucceeded("blank-input", "False", "ValidationFailed")).orElseThrow()
                .getMessage().startsWith("spec.input: must not be blank"));
    }

    @Test
    void validationFailed_whenTheHarnessRejectsTheRequest() {
        // An agent the harness knows (so not AgentNotReady), a request it refuses: the harness's words, nothing ran.
        fake.agents().register("ns:" + NS, "maya-tenant", Map.of("instructions", "You are Maya's understudy."));
        cluster.create(Cluster.agentRun("refused", s -> {
            s.setAgent("maya-tenant");
            s.setAgentVersion("sha256:" + "0".repeat(64));
        }));
        AgentRun run = cluster.awaitSucceeded("refused", "False", "ValidationFailed");
        String message = Cluster.succeeded(run).orElseThrow().getMessage();
        assertTrue(message.startsWith("the harness rejected the run: field 'agent_version'"), message);
        assertEquals(List.of(), fake.runsCreatedFor(NS, "refused"));
    }

    @Test
    void agentNotReady_anAgentNobodyKnowsIsWaitedForThenValidationFailedNamesSpecAgent() {
        cluster.create(Cluster.agentRun("unknown-agent", s -> s.setAgent("zed")));
        AgentRun waiting = cluster.awaitSucceeded("unknown-agent", "Unknown", "AgentNotReady");
        assertEquals(AgentRunPhase.Pending, waiting.getStatus().getPhase());
        assertTrue(Cluster.succeeded(waiting).orElseThrow().getMessage().startsWith("waiting for an Agent 'zed' in "
                + "namespace " + NS), Cluster.succeeded(waiting).orElseThrow().getMessage());
        AgentRun run = cluster.awaitSucceeded("unknown-agent", "False", "ValidationFailed");
        String message = Cluster.succeeded(run).orElseThrow().getMessage();
        assertTrue(message.startsWith("spec.agent: 'zed' is not ready: waited "), message);
        assertTrue(message.endsWith("nothing ran"), message);
        assertEquals(List.of(), fake.runsCreatedFor(NS, "unknown-agent"));
    }

    @Test
    void aLongReplyIsCutAt4KiBOnACharacterBoundary() {
        cluster.create(Cluster.agentRun("long-reply", s -> { }));
        String runId = runOf("long-reply");
        String reply = "Grüße! ".repeat(300) + "🙂".repeat(500); // 2,400 + 2,000 bytes: over 4 KiB, multi-byte throughout
        fake.succeed(runId, reply);
        AgentRun run = cluster.awaitSucceeded("long-reply", "True", "Succeeded");
        String kept = run.getStatus().getReply();
        assertEquals(Boolean.TRUE, run.getStatus().getReplyTruncated());
        assertTrue(kept.getBytes(StandardCharsets.UTF_8).length <= AgentRunStatus.MAX_REPLY_BYTES);
        assertTrue(kept.getBytes(StandardCharsets.UTF_8).length > AgentRunStatus.MAX_REPLY_BYTES - 4);
        assertTrue(reply.startsWith(kept));
        assertTrue(kept.endsWith("🙂"), "no emoji is split in half");
    }

    @Test
    void ttlSecondsAfterFinished_deletesTheFinishedAgentRun() {
        cluster.create(Cluster.agentRun("short-lived", s -> s.setTtlSecondsAfterFinished(1)));
        String runId = runOf("short-lived");
        fake.succeed(runId, "done");
        // A one-second TTL: on a loaded machine the Succeeded status may come and go between two polls, so the
        // transitions are read from the Events the AgentRun leaves behind.
        cluster.awaitGone("short-lived");
        List<String> reasons = cluster.eventReasons("short-lived");
        assertTrue(reasons.containsAll(List.of("Succeeded", "Expired")), reasons.toString());
    }

    @Test
    void deletingARunningAgentRunCancelsItsRunThroughTheFinalizer() {
        cluster.create(Cluster.agentRun("deleted-while-running", s -> { }));
        String runId = runOf("deleted-while-running");
        fake.start(runId);
        cluster.awaitSucceeded("deleted-while-running", "Unknown", "Running");
        cluster.delete("deleted-while-running");
        cluster.awaitGone("deleted-while-running");
        assertTrue(fake.cancels().contains(runId));
        assertEquals("cancelled", fake.getRun(runId).status().wire());
    }

    @Test
    void deletingAFinishedAgentRunCancelsNothing() {
        cluster.create(Cluster.agentRun("deleted-when-done", s -> { }));
        String runId = runOf("deleted-when-done");
        fake.succeed(runId, "ok");
        cluster.awaitSucceeded("deleted-when-done", "True", "Succeeded");
        cluster.delete("deleted-when-done");
        cluster.awaitGone("deleted-when-done");
        assertTrue(!fake.cancels().contains(runId));
    }

    @Test
    void anInPlaceSpecChangeIsIgnoredWithAWarning_whereNoCelRuleStopsIt() {
        // A real API server refuses this edit (the CRD's CEL rule); the mock server does not evaluate CEL.
        cluster.create(Cluster.agentRun("mutated", s -> { }));
        String runId = runOf("mutated");
        fake.start(runId);
        cluster.awaitSucceeded("mutated", "Unknown", "Running");
        cluster.edit("mutated", run -> run.getSpec().setInput("a different question"));
        await().atMost(Cluster.WAIT).until(() -> cluster.eventReasons("mutated").contains("SpecChangeIgnored"));
        fake.succeed(runId, "answer to the original question");
        assertEquals(runId, cluster.awaitSucceeded("mutated", "True", "Succeeded").getStatus().getRunId());
        assertEquals(1, fake.submissionsFor(NS, "mutated").size());
    }
}
