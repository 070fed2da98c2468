package dev.agentharness.operator.agentrun;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.EvaluationResult;
import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.RunEvaluation;
import dev.agentharness.operator.testing.Cluster;
import dev.agentharness.operator.testing.FakeHarness;
import dev.agentharness.operator.testing.FakeHarnessResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code status.evaluation}: the harness grades a run after it finished; the feed keeps following the finished run for
 * a bounded time ({@code evaluation-wait}, 5 s in tests) and the summary lands in the status, then the run is no longer
 * followed. FAKE harness over HTTP, fabric8 mock API server in CRUD mode.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@WithTestResource(FakeHarnessResource.class)
class AgentRunEvaluationTest {

    static final String NS = "evaluations";

    @Inject
    KubernetesClient client;

    @Inject
    AgentRunReconciler reconciler;

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
    void evaluationsThatArriveAfterTheEndAreSummarisedInTheStatus_thenTheRunIsNoLongerFollowed() {
        cluster.create(Cluster.agentRun("graded", s -> { }));
        String runId = runOf("graded");
        fake.start(runId);
        fake.succeed(runId, "Hi Jonas.");
        AgentRun done = cluster.awaitSucceeded("graded", "True", "Succeeded");
        assertNull(done.getStatus().getEvaluation(), "not graded yet");

        OffsetDateTime at = OffsetDateTime.now();
        fake.evaluate(runId,
                new EvaluationResult("reply_short", 1, "pass", true, "412 characters, at most 1200", "inline", at),
                new EvaluationResult("no_card_numbers", 0, "fail", false, "the reply repeats a card number", "inline", at),
                new EvaluationResult("helpful", 0.8333333, "good", true, "mentions the plan", "inline", at));

        AgentRun graded = cluster.awaitRun("graded", run -> run.getStatus().getEvaluation() != null, "an evaluation");
        RunEvaluation evaluation = graded.getStatus().getEvaluation();
        assertEquals(2, evaluation.getPassed());
        assertEquals(1, evaluation.getFailed());
        assertEquals(List.of("reply_short", "no_card_numbers", "helpful"),
                evaluation.getResults().stream().map(RunEvaluation.Result::getName).toList());
        RunEvaluation.Result judge = evaluation.getResults().get(2);
        assertEquals("0.833", judge.getScore(), "a decimal string, rounded");
        assertEquals("good", judge.getLabel());
        assertEquals(Boolean.TRUE, judge.getPassed());
        assertEquals("inline", judge.getSource());
        assertEquals("0", evaluation.getResults().get(1).getScore());
        assertEquals("1", evaluation.getResults().get(0).getScore());
        assertTrue(!client.resources(AgentRun.class).inNamespace(NS).withName("graded").get().toString()
                .contains("repeats a card number"), "explanations stay on the harness");
        assertEquals("True", graded.getStatus().condition(AgentRun.SUCCEEDED).orElseThrow().getStatus(),
                "the verdict is unchanged");

        // Evaluated: the namespace (no other run in flight) is no longer polled.
        await().atMost(Cluster.WAIT).until(() -> !reconciler.feed().followedNamespaces().contains(NS));
    }

    @Test
    void aRunNobodyGradesIsFollowedOnlyForTheBoundedWait() {
        cluster.create(Cluster.agentRun("ungraded", s -> { }));
        String runId = runOf("ungraded");
        fake.fail(runId, "ModelBehaviorError");
        cluster.awaitSucceeded("ungraded", "False", "Failed");

        // evaluation-wait (5 s) after the end, the feed lets the run go, without a status write.
        await().atMost(Cluster.WAIT).until(() -> !reconciler.feed().followedNamespaces().contains(NS));
        assertNull(cluster.get("ungraded").orElseThrow().getStatus().getEvaluation());
    }
}
