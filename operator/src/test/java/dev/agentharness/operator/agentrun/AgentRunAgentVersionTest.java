package dev.agentharness.operator.agentrun;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.crds.v1alpha1.Agent;
import dev.agentharness.crds.v1alpha1.AgentEvaluationSpec;
import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunPhase;
import dev.agentharness.crds.v1alpha1.AgentSpec;
import dev.agentharness.crds.v1alpha1.ConfigMapKeyReference;
import dev.agentharness.crds.v1alpha1.DatasetSource;
import dev.agentharness.operator.testing.Cluster;
import dev.agentharness.operator.testing.FakeAgents;
import dev.agentharness.operator.testing.FakeHarness;
import dev.agentharness.operator.testing.FakeHarnessResource;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * AgentRuns that name an agent by {@code spec.agent}, with the promotion gate (AgentReconciler) running beside them
 * against the FAKE harness's agent registry ({@link FakeAgents}: a golden case fails when the version's instructions
 * say {@code [fails <id>]}): an Agent of the namespace runs its active version (or the pinned {@code spec.agentVersion});
 * an Agent without an active version, or a name nobody knows, waits {@code AgentNotReady} and runs as soon as the agent
 * can serve, or fails {@code ValidationFailed} naming spec.agent after {@code agent-wait}; {@code status.agentVersion}
 * is the version the harness used. The API server is the fabric8 mock in CRUD mode.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@WithTestResource(FakeHarnessResource.class)
class AgentRunAgentVersionTest {

    static final String NS = "agent-versions";
    static final String PRINCIPAL = "ns:" + NS;
    static final String GOLDEN = """
            {"id": "greets", "input": "Hi", "expect": {"status": "succeeded"}}
            """;

    @Inject
    KubernetesClient client;

    Cluster cluster;
    FakeHarness fake;
    FakeAgents agents;

    @BeforeEach
    void setUp() {
        cluster = new Cluster(client, NS);
        fake = FakeHarnessResource.fake();
        fake.onCreate(null);
        agents = fake.agents();
        agents.releaseEvaluations();
    }

    @AfterEach
    void release() {
        agents.releaseEvaluations();
    }

    String runOf(String name) {
        await().atMost(Cluster.WAIT).until(() -> fake.runFor(NS, name).isPresent());
        return fake.runFor(NS, name).orElseThrow();
    }

    void agent(String name, Consumer<AgentSpec> change) {
        Agent agent = new Agent();
        agent.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
        AgentSpec spec = new AgentSpec();
        spec.setInstructions("You are a support agent. Be brief.");
        spec.setTools(List.of("lookup_account", "draft_reply"));
        change.accept(spec);
        agent.setSpec(spec);
        client.resource(agent).inNamespace(NS).create();
    }

    void editAgent(String name, Consumer<AgentSpec> change) {
        client.resources(Agent.class).inNamespace(NS).withName(name).edit(a -> {
            change.accept(a.getSpec());
            return a;
        });
    }

    /** A golden set in a ConfigMap of the namespace, as the Agent's spec.evaluation. */
    AgentEvaluationSpec goldenSet(String configMap) {
        client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName(configMap)
                .withNamespace(NS).endMetadata().addToData("golden.jsonl", GOLDEN).build()).create();
        AgentEvaluationSpec evaluation = new AgentEvaluationSpec();
        DatasetSource source = new DatasetSource();
        source.setConfigMapKeyRef(new ConfigMapKeyReference(configMap, "golden.jsonl"));
        evaluation.setGoldenSet(source);
        return evaluation;
    }

    String awaitActive(String name) {
        await().atMost(Cluster.WAIT).until(() -> agents.activeVersion(PRINCIPAL, name).isPresent()
                && agents.activeVersion(PRINCIPAL, name).equals(java.util.Optional.ofNullable(activeInStatus(name))));
        return activeInStatus(name);
    }

    String activeInStatus(String name) {
        Agent agent = client.resources(Agent.class).inNamespace(NS).withName(name).get();
        return agent == null || agent.getStatus() == null ? null : agent.getStatus().getActiveVersion();
    }

    String message(AgentRun run) {
        return Cluster.succeeded(run).orElseThrow().getMessage();
    }

    @Test
    void anAgentOfTheNamespaceRunsItsActiveVersionAndTheStatusRecordsIt() {
        agent("support", s -> { });
        String active = awaitActive("support");

        cluster.create(Cluster.agentRun("ask-support", s -> s.setAgent("support")));
        String runId = runOf("ask-support");
        assertEquals(active, fake.requestOf(runId).agentVersion(), "the Agent's active version is sent");
        fake.succeed(runId, "done");
        AgentRun done = cluster.awaitSucceeded("ask-support", "True", "Succeeded");
        assertEquals(active, done.getStatus().getAgentVersion());
    }

    @Test
    void aPinnedVersionWinsOverTheActiveOne() {
        agent("pinned", s -> { });
        String first = awaitActive("pinned");
        editAgent("pinned", s -> s.setInstructions("You are a support agent. Be very brief."));
        await().atMost(Cluster.WAIT).until(() -> !first.equals(activeInStatus("pinned")) && activeInStatus("pinned") != null);
        assertNotEquals(first, activeInStatus("pinned"));

        cluster.create(Cluster.agentRun("ask-pinned", s -> {
            s.setAgent("pinned");
            s.setAgentVersion(first);
        }));
        String runId = runOf("ask-pinned");
        assertEquals(first, fake.requestOf(runId).agentVersion());
        fake.succeed(runId, "done");
        assertEquals(first, cluster.awaitSucceeded("ask-pinned", "True", "Succeeded").getStatus().getAgentVersion());
    }

    @Test
    void anAgentWithoutAnActiveVersionIsWaitedForUntilItsGoldenSetPassed() {
        agents.holdEvaluations();
        agent("evaluating", s -> s.setEvaluation(goldenSet("evaluating-golden")));

        cluster.create(Cluster.agentRun("ask-early", s -> s.setAgent("evaluating")));
        AgentRun waiting = cluster.awaitSucceeded("ask-early", "Unknown", "AgentNotReady");
        assertEquals(AgentRunPhase.Pending, waiting.getStatus().getPhase());
        assertTrue(message(waiting).startsWith("waiting for Agent 'evaluating' to get an active version (now "),
                message(waiting));
        assertEquals(List.of(), fake.submissionsFor(NS, "ask-early"), "nothing is submitted while it waits");

        // The golden set passes: the gate activates the version, and the waiting AgentRun runs it.
        agents.releaseEvaluations();
        String active = awaitActive("evaluating");
        String runId = runOf("ask-early");
        assertEquals(active, fake.requestOf(runId).agentVersion());
    }

    @Test
    void anAgentThatNeverBecomesActiveFailsValidationNamingSpecAgent() {
        agent("broken", s -> {
            s.setInstructions("You are a support agent. [fails greets]");
            s.setEvaluation(goldenSet("broken-golden"));
        });
        cluster.create(Cluster.agentRun("ask-broken", s -> s.setAgent("broken")));
        cluster.awaitSucceeded("ask-broken", "Unknown", "AgentNotReady");
        AgentRun failed = cluster.awaitSucceeded("ask-broken", "False", "ValidationFailed");
        String message = message(failed);
        assertTrue(message.startsWith("spec.agent: 'broken' is not ready: waited "), message);
        assertTrue(message.contains("Agent 'broken' to get an active version (now EvaluationFailed)"), message);
        assertEquals(AgentRunPhase.Failed, failed.getStatus().getPhase());
        assertEquals(List.of(), fake.submissionsFor(NS, "ask-broken"));
    }

    @Test
    void aHarnessAgentWithoutAnActiveVersionIsWaitedForToo() {
        // Registered through the API (no Agent CR), not activated yet: the harness refuses the run (409), the operator
        // asks GET /agents/{name} and waits; once activated, the AgentRun runs it.
        String version = ((dev.agentharness.api.agents.AgentVersion) agents.register(PRINCIPAL, "api-agent",
                Map.of("instructions", "You answer briefly.")).getEntity()).version();
        cluster.create(Cluster.agentRun("ask-api", s -> s.setAgent("api-agent")));
        AgentRun waiting = cluster.awaitSucceeded("ask-api", "Unknown", "AgentNotReady");
        assertTrue(message(waiting).startsWith("waiting for agent 'api-agent' on the harness to get an active "
                + "version (1 registered, none active)"), message(waiting));

        agents.activate(PRINCIPAL, "api-agent", version);
        String runId = runOf("ask-api");
        assertNull(fake.requestOf(runId).agentVersion(), "a harness agent's version is the harness's choice");
        fake.succeed(runId, "done");
        assertEquals(version, cluster.awaitSucceeded("ask-api", "True", "Succeeded").getStatus().getAgentVersion());
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
