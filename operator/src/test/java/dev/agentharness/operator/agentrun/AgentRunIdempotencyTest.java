package dev.agentharness.operator.agentrun;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.ManifestEntrySpec;
import dev.agentharness.crds.v1alpha1.SandboxManifest;
import dev.agentharness.crds.v1alpha1.SandboxManifestReference;
import dev.agentharness.crds.v1alpha1.SandboxManifestSpec;
import dev.agentharness.operator.testing.Cluster;
import dev.agentharness.operator.testing.FakeHarness;
import dev.agentharness.operator.testing.FakeHarnessResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GitOps: Argo CD re-creates an AgentRun that its TTL deleted. The Idempotency-Key comes from
 * namespace, name and spec — not the uid — so the identical AgentRun re-attaches to its finished
 * run (no new model conversation, status restored); a new {@code runNonce} runs it again on purpose.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@WithTestResource(FakeHarnessResource.class)
class AgentRunIdempotencyTest {

    static final String NS = "gitops";

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
    void deleteAndRecreateAnIdenticalAgentRun_reattachesToItsFinishedRun() {
        cluster.create(Cluster.agentRun("maya-gitops", s -> s.setSaveArtifact(true)));
        String runId = runOf("maya-gitops");
        fake.succeed(runId, "Hi Jonas, here is what happened.");
        AgentRun first = cluster.awaitSucceeded("maya-gitops", "True", "Succeeded");
        cluster.delete("maya-gitops");
        cluster.awaitGone("maya-gitops");

        AgentRun recreated = cluster.create(Cluster.agentRun("maya-gitops", s -> s.setSaveArtifact(true)));
        assertNotEquals(first.getMetadata().getUid(), recreated.getMetadata().getUid(), "a new object, a new uid");
        AgentRun restored = cluster.awaitSucceeded("maya-gitops", "True", "Succeeded");

        assertEquals(runId, restored.getStatus().getRunId());
        assertEquals("Hi Jonas, here is what happened.", restored.getStatus().getReply());
        assertEquals(first.getStatus().getCompletionTime(), restored.getStatus().getCompletionTime());
        assertEquals(first.getStatus().getUsage().getCostUsd(), restored.getStatus().getUsage().getCostUsd());
        List<FakeHarness.Submission> submissions = fake.submissionsFor(NS, "maya-gitops");
        assertEquals(2, submissions.size());
        assertEquals(submissions.get(0).idempotencyKey(), submissions.get(1).idempotencyKey());
        assertEquals(List.of(runId), fake.runsCreatedFor(NS, "maya-gitops"), "no new model conversation");
    }

    @Test
    void aNewRunNonceRunsTheSameTaskAgainOnPurpose() {
        cluster.create(Cluster.agentRun("nonce", s -> s.setRunNonce("1")));
        String first = runOf("nonce");
        fake.succeed(first, "first");
        cluster.awaitSucceeded("nonce", "True", "Succeeded");
        cluster.delete("nonce");
        cluster.awaitGone("nonce");

        cluster.create(Cluster.agentRun("nonce", s -> s.setRunNonce("2")));
        await().atMost(Cluster.WAIT).until(() -> fake.runsCreatedFor(NS, "nonce").size() == 2);
        String second = fake.runFor(NS, "nonce").orElseThrow();
        assertNotEquals(first, second);
        List<FakeHarness.Submission> submissions = fake.submissionsFor(NS, "nonce");
        assertNotEquals(submissions.get(0).idempotencyKey(), submissions.get(1).idempotencyKey());
        fake.succeed(second, "second");
        assertEquals("second", cluster.awaitSucceeded("nonce", "True", "Succeeded").getStatus().getReply());
    }

    @Test
    void aNewNameIsANewRunToo() {
        cluster.create(Cluster.agentRun("name-a", s -> { }));
        cluster.create(Cluster.agentRun("name-b", s -> { }));
        await().atMost(Cluster.WAIT).until(() -> fake.runFor(NS, "name-a").isPresent() && fake.runFor(NS, "name-b").isPresent());
        assertNotEquals(fake.runFor(NS, "name-a"), fake.runFor(NS, "name-b"));
    }

    @Test
    void recreatedAfterItsSandboxManifestChanged_isRefusedNotRunAgain() {
        SandboxManifest manifest = new SandboxManifest();
        manifest.setMetadata(new ObjectMetaBuilder().withName("notes-v").build());
        SandboxManifestSpec spec = new SandboxManifestSpec();
        spec.setEntries(Map.of("inputs/notes.txt", ManifestEntrySpec.file("version one\n")));
        manifest.setSpec(spec);
        cluster.create(manifest);
        cluster.create(Cluster.agentRun("analyst-redo", s -> {
            s.setAgent("analyst");
            s.setSandboxManifestRef(new SandboxManifestReference("notes-v"));
        }));
        String runId = runOf("analyst-redo");
        fake.succeed(runId, "2 words");
        cluster.awaitSucceeded("analyst-redo", "True", "Succeeded");
        cluster.delete("analyst-redo");
        cluster.awaitGone("analyst-redo");

        // update (PUT), not edit (JSON patch): the mock server mishandles '/' in JSON-patch paths of map keys.
        SandboxManifest changed = client.resources(SandboxManifest.class).inNamespace(NS).withName("notes-v").get();
        changed.getSpec().setEntries(Map.of("inputs/notes.txt", ManifestEntrySpec.file("version two, longer\n")));
        client.resource(changed).update();
        cluster.create(Cluster.agentRun("analyst-redo", s -> {
            s.setAgent("analyst");
            s.setSandboxManifestRef(new SandboxManifestReference("notes-v"));
        }));
        AgentRun refused = cluster.awaitSucceeded("analyst-redo", "False", "ValidationFailed");
        String message = Cluster.succeeded(refused).orElseThrow().getMessage();
        assertTrue(message.contains("SandboxManifest changed") && message.contains("spec.runNonce"), message);
        assertEquals(List.of(runId), fake.runsCreatedFor(NS, "analyst-redo"), "nothing ran a second time");
    }
}
