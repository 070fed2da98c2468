package dev.agentharness.demo;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.ArtifactReference;
import dev.agentharness.fakes.FakeModelServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The product end to end, as {@code make demo} runs it: the packaged harness (embedded PostgreSQL,
 * local store, local bubblewrap sandbox, FAKE model) and the packaged operator as real processes,
 * the embedded API server, and the AgentRuns of {@code examples/} — from {@code Unknown} to
 * {@code Succeeded=True} with Maya's reply in the status.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndIT {

    static DemoEnvironment environment;

    @BeforeAll
    static void start() {
        environment = SharedEnvironment.get();
    }

    static AgentRun awaitFinished(String name) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
            AgentRun run = get(name);
            return run != null && AgentRunReport.finished(run);
        });
        return get(name);
    }

    static AgentRun get(String name) {
        return environment.client().resources(AgentRun.class).inNamespace(DemoEnvironment.NAMESPACE).withName(name).get();
    }

    static Condition succeeded(AgentRun run) {
        return AgentRunReport.succeeded(run).orElseThrow(() -> new AssertionError("no Succeeded condition: " + run.getStatus()));
    }

    static FakeModelServer model() {
        return environment.fakeModel().orElseThrow();
    }

    @Test
    @Order(1)
    void theExampleAgentRunsGoFromUnknownToSucceededWithTheirRepliesInStatus() {
        List<HasMetadata> examples = environment.examples();
        assertTrue(examples.stream().anyMatch(r -> r.getMetadata().getName().equals("maya-card-declined")), examples.toString());
        environment.apply(examples);

        AgentRun maya = awaitFinished("maya-card-declined");
        Condition condition = succeeded(maya);
        assertEquals("True", condition.getStatus(), condition.getMessage());
        assertEquals("Succeeded", condition.getReason());
        assertEquals("Succeeded", maya.getStatus().getPhase().toString());
        String reply = maya.getStatus().getReply();
        assertTrue(reply.startsWith("Hi Jonas") && reply.contains("Card declined on monthly renewal")
                && reply.contains("Maya, ACME Cloud Tier-1 Support"), reply);
        assertNotNull(maya.getStatus().getRunId());
        assertNotNull(maya.getStatus().getTraceId());
        assertNotNull(maya.getStatus().getStartTime());
        assertNotNull(maya.getStatus().getCompletionTime());
        assertTrue(maya.getStatus().getUsage().getInputTokens() > 0);
        List<ArtifactReference> artifacts = maya.getStatus().getArtifacts();
        assertEquals(1, artifacts.size(), "saveArtifact: true → reply.md");
        assertEquals("reply.md", artifacts.getFirst().getName());
        assertEquals("outputs/" + maya.getStatus().getRunId() + "/reply.md", artifacts.getFirst().getKey());
        assertFalse(Serialization.asJson(maya.getStatus()).contains("http"), "no link in status: " + maya.getStatus());

        if (environment.settings().sandbox()) {
            AgentRun analyst = awaitFinished("analyst-word-count");
            assertEquals("True", succeeded(analyst).getStatus(), succeeded(analyst).getMessage());
            assertEquals(Boolean.TRUE, analyst.getStatus().getUsedSandbox());
            assertEquals("inputs/notes.txt has 13 words; the count is saved in outputs/word_count.txt.",
                    analyst.getStatus().getReply());
        }

        // The AgentRun naming the example Agent runs once the Agent's golden set passed, on the version that passed.
        AgentRun support = awaitFinished("support-card-declined");
        assertEquals("True", succeeded(support).getStatus(), succeeded(support).getMessage());
        assertTrue(support.getStatus().getAgentVersion().startsWith("sha256:"), support.getStatus().getAgentVersion());

        // make demo's verdict: every example AgentRun it applied succeeded.
        List<String> runs = examples.stream().filter(r -> r.getKind().equals("AgentRun"))
                .map(r -> r.getMetadata().getName()).toList();
        assertTrue(runs.containsAll(List.of("maya-card-declined", "support-card-declined")), runs.toString());
        for (String name : runs) {
            Condition finished = succeeded(awaitFinished(name));
            assertEquals("True", finished.getStatus(), name + ": " + finished.getMessage());
        }
    }

    @Test
    @Order(2)
    void anIdenticalAgentRunCreatedAgainAfterDeletionReattachesToItsRunWithoutANewModelConversation() {
        AgentRun before = awaitFinished("maya-card-declined");
        int modelCalls = model().requests().size();
        environment.client().resource(before).delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> get("maya-card-declined") == null);

        HasMetadata again = environment.examples().stream()
                .filter(r -> r.getMetadata().getName().equals("maya-card-declined")).findFirst().orElseThrow();
        environment.apply(List.of(again));
        AgentRun after = awaitFinished("maya-card-declined");

        assertEquals("True", succeeded(after).getStatus());
        assertEquals(before.getStatus().getRunId(), after.getStatus().getRunId(), "re-attached to the finished run");
        assertEquals(before.getStatus().getReply(), after.getStatus().getReply(), "status restored from the harness");
        assertEquals(before.getStatus().getIdempotencyKey(), after.getStatus().getIdempotencyKey());
        assertEquals(modelCalls, model().requests().size(), "no new model conversation, nothing paid twice");
    }

    @Test
    @Order(3)
    void noStatusAndNoEventCarriesTheHarnessToken() {
        String everything = Serialization.asJson(environment.client().resources(AgentRun.class).inAnyNamespace().list())
                + Serialization.asJson(environment.client().v1().events().inAnyNamespace().list());
        assertTrue(everything.contains("maya-card-declined"), "the scan sees the AgentRuns");
        assertFalse(everything.contains(environment.harnessToken()), "the harness token leaked into the cluster");
        assertFalse(environment.operator().tail(10_000).contains(environment.harnessToken()), "the token is in the operator log");
        assertFalse(environment.harness().tail(10_000).contains(environment.harnessToken()), "the token is in the harness log");
    }
}
