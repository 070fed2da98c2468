package dev.agentharness.operator.agentrun;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.crds.v1alpha1.Agent;
import dev.agentharness.crds.v1alpha1.AgentReason;
import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunPhase;
import dev.agentharness.crds.v1alpha1.AgentSpec;
import dev.agentharness.crds.v1alpha1.AgentStatus;
import dev.agentharness.crds.v1alpha1.ConditionStatus;
import dev.agentharness.operator.testing.Cluster;
import dev.agentharness.operator.testing.FakeHarness;
import dev.agentharness.operator.testing.FakeHarnessResource;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * AgentRuns that name an agent by {@code spec.agent}: an Agent of the namespace runs its active version (or the pinned
 * {@code spec.agentVersion}); an Agent without an active version, or a name nobody knows, waits {@code AgentNotReady}
 * and runs as soon as the agent can serve; {@code status.agentVersion} is the version the harness used. The Agents'
 * status is written here as the promotion gate (AgentReconciler) leaves it — the gate itself watches another namespace
 * in this test ({@link WithoutTheGate}), so it does not overwrite them; AgentReconcilerTest drives an AgentRun through the
 * real gate. The harness is the FAKE over HTTP, the API server the fabric8 mock in CRUD mode.
 */
@QuarkusTest
@TestProfile(AgentRunAgentVersionTest.WithoutTheGate.class)
@WithKubernetesTestServer(crud = true)
@WithTestResource(FakeHarnessResource.class)
class AgentRunAgentVersionTest {

    /** The promotion gate (controller {@code agent}) away from this test's namespace: the test writes Agent statuses. */
    public static class WithoutTheGate implements io.quarkus.test.junit.QuarkusTestProfile {
        @Override
        public java.util.Map<String, String> getConfigOverrides() {
            return java.util.Map.of("quarkus.operator-sdk.controllers.agent.namespaces", "no-gate-here");
        }
    }

    static final String NS = "agent-versions";
    static final String PRINCIPAL = "ns:" + NS;
    static final String V1 = "sha256:" + "1".repeat(64);
    static final String V2 = "sha256:" + "2".repeat(64);

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

    Agent agent(String name) {
        Agent agent = new Agent();
        agent.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
        AgentSpec spec = new AgentSpec();
        spec.setInstructions("You are a support agent.");
        agent.setSpec(spec);
        return client.resource(agent).inNamespace(NS).create();
    }

    /** The Agent's status as the promotion gate writes it: Ready with {@code reason}, and the active version. */
    void agentStatus(String name, AgentReason reason, String active) {
        client.resources(Agent.class).inNamespace(NS).withName(name).editStatus(agent -> {
            AgentStatus status = new AgentStatus();
            status.setActiveVersion(active);
            status.setConditions(new java.util.ArrayList<>(List.of(new ConditionBuilder().withType(Agent.READY)
                    .withStatus(reason == AgentReason.Active ? ConditionStatus.TRUE : ConditionStatus.FALSE)
                    .withReason(reason.name()).withMessage(reason.name()).build())));
            agent.setStatus(status);
            return agent;
        });
    }

    @Test
    void anAgentOfTheNamespaceRunsItsActiveVersionAndTheStatusRecordsIt() {
        agent("support");
        fake.putAgent(PRINCIPAL, "support", V1, V1);
        agentStatus("support", AgentReason.Active, V1);

        cluster.create(Cluster.agentRun("ask-support", s -> s.setAgent("support")));
        String runId = runOf("ask-support");
        assertEquals(V1, fake.requestOf(runId).agentVersion(), "the Agent's active version is sent");
        fake.succeed(runId, "done");
        AgentRun done = cluster.awaitSucceeded("ask-support", "True", "Succeeded");
        assertEquals(V1, done.getStatus().getAgentVersion());
    }

    @Test
    void aPinnedVersionWinsOverTheActiveOne() {
        agent("pinned");
        fake.putAgent(PRINCIPAL, "pinned", V2, V2, V1);
        agentStatus("pinned", AgentReason.Active, V2);

        cluster.create(Cluster.agentRun("ask-pinned", s -> {
            s.setAgent("pinned");
            s.setAgentVersion(V1);
        }));
        String runId = runOf("ask-pinned");
        assertEquals(V1, fake.requestOf(runId).agentVersion());
        fake.succeed(runId, "done");
        assertEquals(V1, cluster.awaitSucceeded("ask-pinned", "True", "Succeeded").getStatus().getAgentVersion());
    }

    @Test
    void anAgentWithoutAnActiveVersionIsWaitedForUntilItHasOne() {
        agent("evaluating");
        agentStatus("evaluating", AgentReason.Evaluating, null);

        cluster.create(Cluster.agentRun("ask-early", s -> s.setAgent("evaluating")));
        AgentRun waiting = cluster.awaitSucceeded("ask-early", "Unknown", "AgentNotReady");
        assertEquals(AgentRunPhase.Pending, waiting.getStatus().getPhase());
        String message = Cluster.succeeded(waiting).orElseThrow().getMessage();
        assertTrue(message.startsWith("waiting for Agent 'evaluating' to get an active version (now Evaluating)"),
                message);
        assertEquals(List.of(), fake.submissionsFor(NS, "ask-early"), "nothing is submitted while it waits");

        // The golden set passed: the gate activates V2, and the waiting AgentRun runs it.
        fake.putAgent(PRINCIPAL, "evaluating", V2, V2);
        agentStatus("evaluating", AgentReason.Active, V2);
        String runId = runOf("ask-early");
        assertEquals(V2, fake.requestOf(runId).agentVersion());
    }

    @Test
    void anAgentThatNeverBecomesActiveFailsValidationNamingSpecAgent() {
        agent("broken");
        agentStatus("broken", AgentReason.EvaluationFailed, null);
        cluster.create(Cluster.agentRun("ask-broken", s -> s.setAgent("broken")));
        cluster.awaitSucceeded("ask-broken", "Unknown", "AgentNotReady");
        AgentRun failed = cluster.awaitSucceeded("ask-broken", "False", "ValidationFailed");
        String message = Cluster.succeeded(failed).orElseThrow().getMessage();
        assertTrue(message.startsWith("spec.agent: 'broken' is not ready: waited "), message);
        assertTrue(message.contains("Agent 'broken' to get an active version (now EvaluationFailed)"), message);
        assertEquals(AgentRunPhase.Failed, failed.getStatus().getPhase());
        assertEquals(List.of(), fake.submissionsFor(NS, "ask-broken"));
    }

    @Test
    void aHarnessAgentWithoutAnActiveVersionIsWaitedForToo() {
        // Registered through the API (no Agent CR), not activated yet: the harness refuses the run (409), the operator
        // asks GET /agents/{name} and waits.
        fake.putAgent(PRINCIPAL, "api-agent", null, V1);
        cluster.create(Cluster.agentRun("ask-api", s -> s.setAgent("api-agent")));
        AgentRun waiting = cluster.awaitSucceeded("ask-api", "Unknown", "AgentNotReady");
        String message = Cluster.succeeded(waiting).orElseThrow().getMessage();
        assertTrue(message.startsWith("waiting for agent 'api-agent' on the harness to get an active version "
                + "(1 registered, none active)"), message);

        fake.putAgent(PRINCIPAL, "api-agent", V1, V1);
        String runId = runOf("ask-api");
        assertEquals(null, fake.requestOf(runId).agentVersion(), "a harness agent's version is the harness's choice");
        fake.succeed(runId, "done");
        assertEquals(V1, cluster.awaitSucceeded("ask-api", "True", "Succeeded").getStatus().getAgentVersion());
    }

    @Test
    void aBuiltInAgentNeedsNoAgentAndNoExtraRequest() {
        long agentLookups = FakeHarnessResource.server().count("GET", "/agents/maya");
        cluster.create(Cluster.agentRun("ask-maya", s -> { }));
        String runId = runOf("ask-maya");
        fake.succeed(runId, "done");
        AgentRun done = cluster.awaitSucceeded("ask-maya", "True", "Succeeded");
        assertEquals(FakeHarness.builtInVersion("maya"), done.getStatus().getAgentVersion());
        assertEquals(agentLookups, FakeHarnessResource.server().count("GET", "/agents/maya"),
                "GET /agents/{name} is asked only after a refusal");
    }
}
