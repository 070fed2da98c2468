package dev.agentharness.operator.sandboxmanifest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.RunRequest;
import dev.agentharness.api.sandbox.ManifestValidator;
import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.Capability;
import dev.agentharness.crds.v1alpha1.ManifestEntrySpec;
import dev.agentharness.crds.v1alpha1.ManifestEntryType;
import dev.agentharness.crds.v1alpha1.SandboxManifest;
import dev.agentharness.crds.v1alpha1.SandboxManifestReference;
import dev.agentharness.crds.v1alpha1.SandboxManifestSpec;
import dev.agentharness.crds.v1alpha1.SandboxProviderName;
import dev.agentharness.operator.testing.Cluster;
import dev.agentharness.operator.testing.FakeHarness;
import dev.agentharness.operator.testing.FakeHarnessResource;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SandboxManifests are validated by the harness's own validator (shared code from harness-api) and
 * report Ready with a digest; AgentRuns that reference one carry its manifest to the harness, wait
 * for it to appear, and fail ValidationFailed when it is missing or invalid.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@WithTestResource(FakeHarnessResource.class)
class SandboxManifestReconcilerTest {

    static final String NS = "sandbox";
    static final String NOTES = "The quick brown fox jumps over the lazy dog\nand then it rests.\n";

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

    static SandboxManifest manifest(String name, Consumer<SandboxManifestSpec> spec) {
        SandboxManifest manifest = new SandboxManifest();
        manifest.setMetadata(new ObjectMetaBuilder().withName(name).build());
        SandboxManifestSpec s = new SandboxManifestSpec();
        Map<String, ManifestEntrySpec> entries = new LinkedHashMap<>();
        entries.put("inputs/notes.txt", ManifestEntrySpec.file(NOTES));
        entries.put("outputs", ManifestEntrySpec.dir());
        s.setEntries(entries);
        spec.accept(s);
        manifest.setSpec(s);
        return manifest;
    }

    SandboxManifest awaitReady(String name, String status) {
        await().atMost(Cluster.WAIT).until(() -> ready(get(name)).filter(c -> status.equals(c.getStatus())).isPresent());
        return get(name);
    }

    SandboxManifest get(String name) {
        return client.resources(SandboxManifest.class).inNamespace(NS).withName(name).get();
    }

    static java.util.Optional<Condition> ready(SandboxManifest manifest) {
        return manifest == null || manifest.getStatus() == null ? java.util.Optional.empty()
                : manifest.getStatus().condition(SandboxManifest.READY);
    }

    @Test
    void aValidManifestIsReadyWithTheHarnessValidatorsDigest() {
        cluster.create(manifest("notes", s -> s.setCapabilities(List.of(Capability.FILESYSTEM, Capability.SHELL))));
        SandboxManifest ready = awaitReady("notes", "True");
        assertEquals(SandboxManifest.VALID, ready(ready).orElseThrow().getReason());
        String expected = ManifestValidator.validate(Map.of("entries", Map.of(
                        "inputs/notes.txt", Map.of("type", "file", "content", NOTES),
                        "outputs", Map.of("type", "dir")),
                "capabilities", List.of("filesystem", "shell"))).digest();
        assertEquals(expected, ready.getStatus().getDigest());
        assertEquals(ready.getMetadata().getGeneration(), ready.getStatus().getObservedGeneration());
        await().atMost(Cluster.WAIT).until(() -> cluster.eventReasons("notes").contains("Valid"));
    }

    @Test
    void anInvalidManifestSaysWhatIsWrong_andBecomesReadyOnceFixed() {
        cluster.create(manifest("escapes", s -> {
            Map<String, ManifestEntrySpec> entries = new LinkedHashMap<>(s.getEntries());
            entries.put("../outside", ManifestEntrySpec.file("x"));
            ManifestEntrySpec repo = new ManifestEntrySpec();
            repo.setType(ManifestEntryType.GIT_REPO);
            repo.setRepo("acme/tools");
            entries.put("tools", repo);
            s.setEntries(entries);
        }));
        SandboxManifest invalid = awaitReady("escapes", "False");
        Condition condition = ready(invalid).orElseThrow();
        assertEquals(SandboxManifest.INVALID, condition.getReason());
        assertTrue(condition.getMessage().contains("spec.entries['../outside']: escapes the workspace"), condition.getMessage());
        assertNull(invalid.getStatus().getDigest());
        await().atMost(Cluster.WAIT).until(() -> cluster.eventReasons("escapes").contains("Invalid"));

        // update (PUT), not edit (JSON patch): the mock server mishandles '/' in JSON-patch paths of map keys.
        SandboxManifest fixing = get("escapes");
        fixing.getSpec().setEntries(Map.of("inputs/notes.txt", ManifestEntrySpec.file(NOTES)));
        client.resource(fixing).update();
        SandboxManifest fixed = awaitReady("escapes", "True");
        assertEquals(fixed.getMetadata().getGeneration(), fixed.getStatus().getObservedGeneration());
        assertTrue(fixed.getStatus().getDigest().startsWith("sha256:"));
    }

    @Test
    void fieldsTheHarnessCannotHonourYetAreRefusedNotIgnored() {
        cluster.create(manifest("e2b-only", s -> s.setProvider(SandboxProviderName.E2B)));
        Condition condition = ready(awaitReady("e2b-only", "False")).orElseThrow();
        assertTrue(condition.getMessage().contains("spec.provider: choosing the provider per manifest is not supported yet"),
                condition.getMessage());
    }

    @Test
    void anAgentRunCarriesItsSandboxManifestToTheHarness() {
        cluster.create(manifest("workspace", s -> {
            ManifestEntrySpec mount = new ManifestEntrySpec();
            mount.setType(ManifestEntryType.S3_MOUNT);
            mount.setBucket("team-data");
            mount.setPrefix("inputs/{session_id}/");
            mount.setReadOnly(false);
            Map<String, ManifestEntrySpec> entries = new LinkedHashMap<>(s.getEntries());
            entries.put("data", mount);
            s.setEntries(entries);
            s.setTimeoutSeconds(120);
        }));
        awaitReady("workspace", "True");
        cluster.create(Cluster.agentRun("analyst-sandboxed", s -> {
            s.setAgent("analyst");
            s.setInput("How many words are in inputs/notes.txt?");
            s.setSandboxManifestRef(new SandboxManifestReference("workspace"));
            s.setTimeoutSeconds(300);
        }));
        await().atMost(Cluster.WAIT).until(() -> fake.runFor(NS, "analyst-sandboxed").isPresent());
        String runId = fake.runFor(NS, "analyst-sandboxed").orElseThrow();
        RunRequest request = fake.requestOf(runId);
        assertEquals(Map.of("type", "file", "content", NOTES), entry(request, "inputs/notes.txt"));
        assertEquals(Map.of("type", "s3_mount", "bucket", "team-data", "prefix", "inputs/{session_id}/", "read_only", false),
                entry(request, "data"));
        assertEquals(120, request.timeoutSeconds(), "the tighter of the AgentRun's and the manifest's timeouts");
        fake.succeed(runId, "13 words");
        AgentRun done = cluster.awaitSucceeded("analyst-sandboxed", "True", "Succeeded");
        assertEquals(Boolean.TRUE, done.getStatus().getUsedSandbox());
    }

    @SuppressWarnings("unchecked")
    static Object entry(RunRequest request, String path) {
        return ((Map<String, Object>) request.manifest().get("entries")).get(path);
    }

    @Test
    void anAgentRunAppliedBeforeItsSandboxManifestWaitsForIt() {
        cluster.create(Cluster.agentRun("early-bird", s -> s.setSandboxManifestRef(new SandboxManifestReference("late"))));
        AgentRun pending = cluster.awaitSucceeded("early-bird", "Unknown", "Pending");
        assertTrue(Cluster.succeeded(pending).orElseThrow().getMessage().contains("waiting for SandboxManifest 'late'"));
        cluster.create(manifest("late", s -> { }));
        await().atMost(Cluster.WAIT).until(() -> fake.runFor(NS, "early-bird").isPresent());
    }

    @Test
    void validationFailed_whenTheSandboxManifestNeverAppears() {
        cluster.create(Cluster.agentRun("orphan", s -> s.setSandboxManifestRef(new SandboxManifestReference("missing"))));
        AgentRun failed = cluster.awaitSucceeded("orphan", "False", "ValidationFailed");
        String message = Cluster.succeeded(failed).orElseThrow().getMessage();
        assertTrue(message.startsWith("spec.sandboxManifestRef.name: SandboxManifest 'missing' not found in namespace sandbox"),
                message);
        assertEquals(List.of(), fake.submissionsFor(NS, "orphan"));
    }

    @Test
    void validationFailed_whenTheSandboxManifestIsInvalid() {
        cluster.create(manifest("bad-caps", s -> s.setCapabilities(List.of(Capability.SHELL, Capability.SHELL))));
        awaitReady("bad-caps", "False");
        cluster.create(Cluster.agentRun("uses-bad", s -> s.setSandboxManifestRef(new SandboxManifestReference("bad-caps"))));
        String message = Cluster.succeeded(cluster.awaitSucceeded("uses-bad", "False", "ValidationFailed")).orElseThrow()
                .getMessage();
        assertTrue(message.contains("SandboxManifest 'bad-caps' is invalid: spec.capabilities[1]: 'shell' is listed twice"),
                message);
        assertEquals(List.of(), fake.submissionsFor(NS, "uses-bad"));
    }
}
