package dev.agentharness.operator.agentrun;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunBudget;
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
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each namespace is its own tenant on the harness: every call the operator makes for an AgentRun carries
 * {@code Agent-Harness-Namespace}, so its run belongs to {@code ns:<namespace>} (the FAKE harness scopes runs, keys and
 * the feed by principal exactly like the harness). A namespace held back at a limit (429/402) shows {@code Throttled}
 * naming the limit, waits the harness's Retry-After, and is submitted once; a suspended one shows {@code Suspended};
 * neither ever fails. {@code spec.budget} reaches the request; {@code BudgetExceeded} is its own reason.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@WithTestResource(FakeHarnessResource.class)
class AgentRunTenancyTest {

    @Inject
    KubernetesClient client;

    @Inject
    AgentRunReconciler reconciler;

    Cluster teamA;
    Cluster teamB;
    FakeHarness fake;
    FakeHarnessServer server;

    @BeforeEach
    void setUp() {
        teamA = new Cluster(client, "team-a");
        teamB = new Cluster(client, "team-b");
        server = FakeHarnessResource.server();
        fake = server.harness();
        fake.onCreate(null);
    }

    @AfterEach
    void noMoreThrottling() {
        server.throttleNextSubmissions(0, 429, null, Map.of());
    }

    String runOf(Cluster cluster, String name) {
        await().atMost(Cluster.WAIT).until(() -> fake.runFor(cluster.namespace(), name).isPresent());
        return fake.runFor(cluster.namespace(), name).orElseThrow();
    }

    @Test
    void everyCallActsForTheAgentRunsNamespace_andTheFeedFollowsEachNamespaceApart() {
        teamA.create(Cluster.agentRun("mine", s -> { }));
        teamB.create(Cluster.agentRun("mine", s -> { }));
        teamA.create(Cluster.agentRun("cancel-me", s -> { }));
        String runA = runOf(teamA, "mine");
        String runB = runOf(teamB, "mine");
        String cancelled = runOf(teamA, "cancel-me");
        assertEquals("ns:team-a", fake.principalOf(runA));
        assertEquals("ns:team-b", fake.principalOf(runB));
        assertEquals("ns:team-a", fake.principalOf(cancelled));

        // The feed: one GET /runs per namespace with runs in flight, each for its own namespace only.
        await().atMost(Cluster.WAIT).until(() -> reconciler.feed().followedNamespaces().containsAll(List.of("team-a", "team-b")));
        fake.start(runA);
        teamA.awaitSucceeded("mine", "Unknown", "Running");
        fake.succeed(runA, "for team a");
        fake.succeed(runB, "for team b");
        assertEquals("for team a", teamA.awaitSucceeded("mine", "True", "Succeeded").getStatus().getReply());
        assertEquals("for team b", teamB.awaitSucceeded("mine", "True", "Succeeded").getStatus().getReply());

        // A cancel is made for the namespace too (the fake answers 404 for another principal's run).
        teamA.edit("cancel-me", r -> r.getSpec().setCancel(true));
        teamA.awaitSucceeded("cancel-me", "False", "Cancelled");
        assertTrue(fake.cancels().contains(cancelled));

        List<String> lines = server.requestLines();
        List<String> namespaces = server.namespaceHeaders();
        assertFalse(namespaces.contains("-"), "no call without the namespace header: " + lines);
        List<String> feedNamespaces = IntStream.range(0, lines.size()).filter(i -> lines.get(i).startsWith("GET /runs?"))
                .mapToObj(namespaces::get).distinct().toList();
        assertTrue(feedNamespaces.containsAll(List.of("team-a", "team-b")), feedNamespaces.toString());
        // Both finished: team-b's feed is no longer polled once its last run ended.
        await().atMost(Cluster.WAIT).until(() -> !reconciler.feed().followedNamespaces().contains("team-b"));
    }

    @Test
    void throttled_waitsTheRetryAfterNamingTheLimit_thenSucceeds_withExactlyOneRun() {
        server.throttleNextSubmissions(2, 429, "1", Map.of("limit", "max_queued",
                "detail", "namespace team-a has 0 queued runs allowed (max_queued)"));
        teamA.create(Cluster.agentRun("throttled", s -> { }));
        AgentRun waiting = teamA.awaitSucceeded("throttled", "Unknown", "Throttled");
        String message = Cluster.succeeded(waiting).orElseThrow().getMessage();
        assertTrue(message.startsWith("namespace team-a is at limit max_queued on the harness"), message);
        assertTrue(message.contains("next try in 1s"), "the Retry-After is the delay: " + message);
        assertTrue(message.contains("same Idempotency-Key"), message);
        assertFalse(message.contains(FakeHarnessResource.TOKEN), "the echoed Authorization header is not passed on");
        assertEquals(AgentRunPhase.Pending, waiting.getStatus().getPhase());

        String runId = runOf(teamA, "throttled");
        fake.succeed(runId, "after the queue had room");
        teamA.awaitSucceeded("throttled", "True", "Succeeded");
        assertEquals(List.of(runId), fake.runsCreatedFor("team-a", "throttled"), "exactly one run");
        assertEquals(1, fake.submissionsFor("team-a", "throttled").size(), "the held-back requests created nothing");
        assertTrue(teamA.eventReasons("throttled").contains("Throttled"));
    }

    @Test
    void aDailyBudget402IsThrottledToo_andRetryAfterIsBounded() {
        server.throttleNextSubmissions(1, 402, "86400", Map.of("limit", "daily_budget_usd",
                "detail", "the daily budget of ns:team-b (5 USD) is spent; it resets at 00:00 UTC"));
        teamB.create(Cluster.agentRun("over-budget", s -> { }));
        AgentRun waiting = teamB.awaitSucceeded("over-budget", "Unknown", "Throttled");
        String message = Cluster.succeeded(waiting).orElseThrow().getMessage();
        assertTrue(message.contains("limit daily_budget_usd"), message);
        assertTrue(message.contains("it resets at 00:00 UTC"), message);
        assertTrue(message.contains("next try in 10m0s"), "a day's Retry-After is bounded to ten minutes: " + message);
        assertTrue(fake.runsCreatedFor("team-b", "over-budget").isEmpty());
    }

    @Test
    void suspended_waitsAndResumes_neverFailed() {
        server.throttleNextSubmissions(1, 403, "1", Map.of("limit", "suspended",
                "detail", "principal ns:team-a is suspended by an administrator"));
        teamA.create(Cluster.agentRun("suspended", s -> { }));
        AgentRun waiting = teamA.awaitSucceeded("suspended", "Unknown", "Suspended");
        String message = Cluster.succeeded(waiting).orElseThrow().getMessage();
        assertTrue(message.startsWith("namespace team-a is suspended on the harness"), message);
        String runId = runOf(teamA, "suspended");
        fake.succeed(runId, "lifted");
        teamA.awaitSucceeded("suspended", "True", "Succeeded");
        assertEquals(List.of(runId), fake.runsCreatedFor("team-a", "suspended"));
        assertTrue(teamA.eventReasons("suspended").contains("Suspended"));
    }

    @Test
    void aForbiddenThatIsNoSuspension_isTheOperatorRefused() {
        server.throttleNextSubmissions(1, 403, null, Map.of("detail",
                "header Agent-Harness-Namespace: principal 'operator' may not act for a namespace"));
        teamB.create(Cluster.agentRun("not-delegated", s -> { }));
        AgentRun waiting = teamB.awaitSucceeded("not-delegated", "Unknown", "HarnessUnavailable");
        String message = Cluster.succeeded(waiting).orElseThrow().getMessage();
        assertTrue(message.contains("HARNESS_NAMESPACE_DELEGATES"), message);
        String runId = runOf(teamB, "not-delegated");
        fake.succeed(runId, "delegated now");
        teamB.awaitSucceeded("not-delegated", "True", "Succeeded");
    }

    @Test
    void theBudgetReachesTheRequest_andBudgetExceededIsItsOwnReasonWithTheCost() {
        teamA.create(Cluster.agentRun("budgeted", s -> s.setBudget(new AgentRunBudget(0.002, 4000L))));
        String runId = runOf(teamA, "budgeted");
        assertEquals(0.002, fake.requestOf(runId).maxCostUsd());
        assertEquals(4000L, fake.requestOf(runId).maxTokens());
        fake.succeed(runId, "cheap");
        AgentRun done = teamA.awaitSucceeded("budgeted", "True", "Succeeded");
        assertEquals("0.00042", done.getStatus().getUsage().getCostUsd(), "the run's cost is in the status");

        teamA.create(Cluster.agentRun("too-expensive", s -> s.setBudget(new AgentRunBudget(0.0001, null))));
        String expensive = runOf(teamA, "too-expensive");
        fake.fail(expensive, "BudgetExceeded");
        AgentRun stopped = teamA.awaitSucceeded("too-expensive", "False", "BudgetExceeded");
        assertEquals(AgentRunPhase.Failed, stopped.getStatus().getPhase());

        teamA.create(Cluster.agentRun("no-budget", s -> s.setBudget(new AgentRunBudget(0.0, null))));
        AgentRun refused = teamA.awaitSucceeded("no-budget", "False", "ValidationFailed");
        assertTrue(Cluster.succeeded(refused).orElseThrow().getMessage().startsWith("spec.budget.maxCostUsd: must be greater than 0"));
        assertTrue(fake.runsCreatedFor("team-a", "no-budget").isEmpty());
    }
}
