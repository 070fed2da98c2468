package dev.agentharness.operator.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.agents.AgentEvaluationRequest;
import dev.agentharness.api.agents.AgentSpecValidator;
import dev.agentharness.crds.v1alpha1.Agent;
import dev.agentharness.crds.v1alpha1.AgentEvaluationSpec;
import dev.agentharness.crds.v1alpha1.AgentSpec;
import dev.agentharness.crds.v1alpha1.ConfigMapKeyReference;
import dev.agentharness.crds.v1alpha1.DatasetSource;
import dev.agentharness.crds.v1alpha1.GitFileReference;
import dev.agentharness.operator.testing.Cluster;
import dev.agentharness.operator.testing.FakeAgents;
import dev.agentharness.operator.testing.FakeHarnessResource;
import dev.agentharness.operator.testing.FakeHarnessServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promotion gate against the mock API server (CRUD) and the FAKE harness's agent registry. The FAKE decides an
 * evaluation by one rule ({@link FakeAgents}): a golden-set case fails when the version's instructions contain
 * {@code [fails <case id>]}; everything else passes. Each test has its own namespace, so its own principal.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@WithTestResource(FakeHarnessResource.class)
class AgentReconcilerTest {

    static final String GOLDEN = """
            # two cases; the FAKE harness fails a case only when the instructions say [fails <id>]
            {"id": "greets", "input": "Hi", "expect": {"status": "succeeded"}}
            {"id": "refund-policy", "input": "Can I get a refund?", "expect": {"reply_contains": ["refund policy"]}}
            """;

    @Inject
    KubernetesClient client;

    FakeHarnessServer server;
    FakeAgents agents;

    @BeforeEach
    void setUp() {
        server = FakeHarnessResource.server();
        agents = server.harness().agents();
        agents.releaseEvaluations();
        agents.errorNext(0);
    }

    @AfterEach
    void harnessUp() {
        server.up();
        agents.releaseEvaluations();
    }

    static Agent agent(String name, Consumer<AgentSpec> spec) {
        Agent agent = new Agent();
        agent.setMetadata(new ObjectMetaBuilder().withName(name).build());
        AgentSpec s = new AgentSpec();
        s.setInstructions("You are a support agent. Be brief.");
        s.setModel("gpt-5.4-mini");
        s.setTools(List.of("lookup_account", "draft_reply"));
        spec.accept(s);
        agent.setSpec(s);
        return agent;
    }

    static AgentEvaluationSpec goldenSet(String configMap) {
        AgentEvaluationSpec evaluation = new AgentEvaluationSpec();
        DatasetSource source = new DatasetSource();
        source.setConfigMapKeyRef(new ConfigMapKeyReference(configMap, "golden.jsonl"));
        evaluation.setGoldenSet(source);
        return evaluation;
    }

    Agent create(String namespace, Agent agent) {
        agent.getMetadata().setNamespace(namespace);
        return client.resource(agent).inNamespace(namespace).create();
    }

    void configMap(String namespace, String name, String golden) {
        client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
                .withNamespace(namespace).endMetadata().addToData("golden.jsonl", golden).build()).create();
    }

    Agent edit(String namespace, String name, Consumer<AgentSpec> change) {
        return client.resources(Agent.class).inNamespace(namespace).withName(name).edit(a -> {
            change.accept(a.getSpec());
            return a;
        });
    }

    Optional<Agent> get(String namespace, String name) {
        return Optional.ofNullable(client.resources(Agent.class).inNamespace(namespace).withName(name).get());
    }

    static Optional<Condition> ready(Agent agent) {
        return agent.getStatus() == null ? Optional.empty() : agent.getStatus().condition(Agent.READY);
    }

    Agent awaitReady(String namespace, String name, String status, String reason) {
        return awaitAgent(namespace, name, a -> ready(a).filter(c -> status.equals(c.getStatus())
                && reason.equals(c.getReason())).isPresent()
                && a.getMetadata().getGeneration().equals(a.getStatus().getObservedGeneration()),
                "Ready=" + status + " " + reason);
    }

    Agent awaitAgent(String namespace, String name, Predicate<Agent> until, String what) {
        try {
            Awaitility.await().atMost(Cluster.WAIT).pollInterval(java.time.Duration.ofMillis(100))
                    .until(() -> get(namespace, name).filter(until).isPresent());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("Agent " + namespace + "/" + name + " never reached " + what + "; last seen: "
                    + get(namespace, name).map(a -> Serialization.asYaml(a.getStatus())).orElse("(gone)"), e);
        }
        return get(namespace, name).orElseThrow();
    }

    static String principal(String namespace) {
        return "ns:" + namespace;
    }

    /** The version the harness computes for a spec (the validator both share). */
    static String versionOf(Agent agent) {
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = Serialization.jsonMapper().convertValue(agent.getSpec(), Map.class);
        return AgentSpecValidator.validate(agent.getMetadata().getName(), spec, new FakeCatalog(),
                AgentSpecValidator.Source.KUBERNETES).version();
    }

    record FakeCatalog() implements dev.agentharness.api.agents.AgentCatalog {
        public Optional<java.util.Set<String>> tools() {
            return Optional.empty();
        }

        public Optional<java.util.Set<String>> guardrails() {
            return Optional.empty();
        }

        public Optional<List<String>> handoffsOf(String agent) {
            return Optional.ofNullable(FakeAgents.BUILT_IN.get(agent));
        }
    }

    @Test
    void withoutEvaluationAValidSpecIsActiveAtOnce() {
        String ns = "agents-plain";
        Agent created = create(ns, agent("support", s -> s.setHandoffs(List.of("maya"))));
        Agent active = awaitReady(ns, "support", "True", "Active");
        String version = versionOf(created);
        assertEquals(version, active.getStatus().getActiveVersion());
        assertNull(active.getStatus().getCandidateVersion());
        assertEquals(Optional.of(version), agents.activeVersion(principal(ns), "support"));
        assertEquals(List.of(principal(ns) + "/support@" + version), agents.registrations(principal(ns)));
        assertTrue(agents.evaluationRequests(principal(ns), "support").isEmpty(), "nothing to evaluate");
        Awaitility.await().atMost(Cluster.WAIT).until(() -> new Cluster(client, ns).eventReasons("support").contains("Activated"));
    }

    @Test
    void aPassingGoldenSetActivatesTheCandidate_aFailingEditKeepsThePreviousVersion_andAFixIsActivated() {
        String ns = "agents-gate";
        configMap(ns, "support-golden", GOLDEN);
        agents.holdEvaluations();
        create(ns, agent("support", s -> s.setEvaluation(goldenSet("support-golden"))));
        Agent evaluating = awaitReady(ns, "support", "False", "Evaluating");
        String first = evaluating.getStatus().getCandidateVersion();
        assertTrue(first.startsWith("sha256:"), first);
        assertNull(evaluating.getStatus().getActiveVersion(), "nothing serves before the golden set passed");
        assertEquals(Optional.empty(), agents.activeVersion(principal(ns), "support"));
        assertEquals("running", evaluating.getStatus().getLastEvaluation().getResult());

        agents.releaseEvaluations();
        Agent active = awaitReady(ns, "support", "True", "Active");
        assertEquals(first, active.getStatus().getActiveVersion());
        assertNull(active.getStatus().getCandidateVersion());
        assertEquals("passed", active.getStatus().getLastEvaluation().getResult());
        assertEquals(2, active.getStatus().getLastEvaluation().getCases());
        AgentEvaluationRequest asked = agents.evaluationRequests(principal(ns), "support").getFirst();
        assertEquals(GOLDEN, asked.dataset());
        assertEquals(first, asked.version());
        assertEquals(1.0, asked.threshold());

        // An edit that fails one case: not activated, the previous version keeps serving, a Warning says which case.
        edit(ns, "support", s -> s.setInstructions("You are a support agent. Never mention refunds. [fails refund-policy]"));
        Agent failed = awaitReady(ns, "support", "False", "EvaluationFailed");
        String second = failed.getStatus().getCandidateVersion();
        assertFalse(first.equals(second));
        assertEquals(first, failed.getStatus().getActiveVersion());
        assertEquals(Optional.of(first), agents.activeVersion(principal(ns), "support"));
        String message = ready(failed).orElseThrow().getMessage();
        assertTrue(message.contains("refund-policy") && message.contains("1 of 2 cases passed")
                && message.contains(first + " keeps serving"), message);
        assertEquals(List.of("refund-policy: contains: the reply lacks 'refund policy'"),
                failed.getStatus().getLastEvaluation().getFailedCases());
        assertEquals("failed", failed.getStatus().getLastEvaluation().getResult());
        Awaitility.await().atMost(Cluster.WAIT).until(() -> new Cluster(client, ns).events("support").stream()
                .anyMatch(e -> e.getType().equals("Warning") && e.getReason().equals("EvaluationFailed")
                        && e.getMessage().contains("refund-policy")));

        // The fix: a third version, which passes and serves.
        edit(ns, "support", s -> s.setInstructions("You are a support agent. Quote the refund policy when asked."));
        Agent fixed = awaitReady(ns, "support", "True", "Active");
        String third = fixed.getStatus().getActiveVersion();
        assertFalse(third.equals(first) || third.equals(second));
        assertNull(fixed.getStatus().getCandidateVersion());
        assertEquals(Optional.of(third), agents.activeVersion(principal(ns), "support"));
    }

    @Test
    void anInvalidSpecNamesTheField_andNothingIsRegistered() {
        String ns = "agents-invalid";
        create(ns, agent("support", s -> {
            s.setHandoffs(List.of("ghost"));
            s.setInstructions(" ");
        }));
        Agent invalid = awaitReady(ns, "support", "False", "Invalid");
        String message = ready(invalid).orElseThrow().getMessage();
        assertTrue(message.contains("instructions: required") && message.contains("handoffs[0]: unknown agent 'ghost'"),
                message);
        assertEquals(List.of(), agents.registrations(principal(ns)), "nothing reaches the harness's registry");
        assertNull(invalid.getStatus().getActiveVersion());
        Awaitility.await().atMost(Cluster.WAIT).until(() -> new Cluster(client, ns).eventReasons("support").contains("Invalid"));

        // The handoff target appears as an Agent of the namespace: the first one is checked again by itself.
        edit(ns, "support", s -> s.setInstructions("You are a support agent."));
        awaitReady(ns, "support", "False", "Invalid");
        create(ns, agent("ghost", s -> { }));
        awaitReady(ns, "ghost", "True", "Active");
        awaitReady(ns, "support", "True", "Active");
    }

    @Test
    void theHarnessRefusalIsRelayedNamingTheField() {
        String ns = "agents-refused";
        create(ns, agent("support", s -> s.setTools(List.of("lookup_account", "launch_rockets"))));
        Agent invalid = awaitReady(ns, "support", "False", "Invalid");
        String message = ready(invalid).orElseThrow().getMessage();
        assertTrue(message.contains("(422)") && message.contains("tools[1]: unknown tool 'launch_rockets'"), message);
        assertEquals(List.of(), agents.registrations(principal(ns)));
    }

    @Test
    void aGoldenSetIsReadFromGitAtACommit(@TempDir Path repository) throws Exception {
        String ns = "agents-git";
        String commit;
        try (Git git = Git.init().setDirectory(repository.toFile()).setInitialBranch("main").call()) {
            Files.createDirectories(repository.resolve("evals"));
            Files.writeString(repository.resolve("evals/support.jsonl"), GOLDEN);
            git.add().addFilepattern("evals/support.jsonl").call();
            commit = git.commit().setMessage("golden set").setAuthor("t", "t@example.com")
                    .setCommitter("t", "t@example.com").setSign(false).call().name();
        }
        create(ns, agent("support", s -> {
            AgentEvaluationSpec evaluation = new AgentEvaluationSpec();
            DatasetSource source = new DatasetSource();
            GitFileReference file = new GitFileReference();
            file.setUrl("file://" + repository.toAbsolutePath());
            file.setRef("main");
            file.setPath("evals/support.jsonl");
            source.setGit(file);
            evaluation.setGoldenSet(source);
            evaluation.setThreshold(0.5);
            s.setEvaluation(evaluation);
            s.setInstructions("You are a support agent. [fails greets]");
        }));
        Agent active = awaitReady(ns, "support", "True", "Active");
        AgentEvaluationRequest asked = agents.evaluationRequests(principal(ns), "support").getFirst();
        assertEquals(GOLDEN, asked.dataset());
        assertEquals(0.5, asked.threshold());
        assertEquals("0.5", active.getStatus().getLastEvaluation().getPassRate());
        assertTrue(commit.matches("[0-9a-f]{40}"));

        // A path the commit does not have: Invalid, naming the field.
        edit(ns, "support", s -> s.getEvaluation().getGoldenSet().getGit().setPath("evals/missing.jsonl"));
        String message = ready(awaitReady(ns, "support", "False", "Invalid")).orElseThrow().getMessage();
        assertTrue(message.startsWith("evaluation.goldenSet.git: no file 'evals/missing.jsonl'"), message);
    }

    /**
     * References that do not exist yet (kubectl apply -f dir/, Argo CD: any order): Invalid naming the field, and the
     * Agent is reconciled again when the ConfigMap or SandboxManifest appears (secondary mappers). The resolved manifest
     * is part of the registered version.
     */
    @Test
    void aMissingConfigMapOrSandboxManifestIsWaitedForThroughItsEvents() {
        String ns = "agents-refs";
        create(ns, agent("coder", s -> {
            s.setTools(List.of("read_file", "run_shell"));
            s.setSandboxManifestRef(new dev.agentharness.crds.v1alpha1.SandboxManifestReference("workspace"));
            s.setEvaluation(goldenSet("coder-golden"));
        }));
        String message = ready(awaitReady(ns, "coder", "False", "Invalid")).orElseThrow().getMessage();
        assertTrue(message.startsWith("sandboxManifestRef: SandboxManifest 'workspace' not found"), message);

        var manifest = new dev.agentharness.crds.v1alpha1.SandboxManifest();
        manifest.setMetadata(new ObjectMetaBuilder().withName("workspace").withNamespace(ns).build());
        var manifestSpec = new dev.agentharness.crds.v1alpha1.SandboxManifestSpec();
        manifestSpec.setEntries(new java.util.LinkedHashMap<>(Map.of("outputs",
                dev.agentharness.crds.v1alpha1.ManifestEntrySpec.dir())));
        manifest.setSpec(manifestSpec);
        client.resource(manifest).inNamespace(ns).create();
        message = ready(awaitAgent(ns, "coder", a -> ready(a).map(Condition::getMessage).orElse("")
                .contains("coder-golden"), "the golden set named")).orElseThrow().getMessage();
        assertTrue(message.startsWith("evaluation.goldenSet.configMapKeyRef.name: ConfigMap 'coder-golden' not found"),
                message);
        assertEquals(List.of(), agents.registrations(principal(ns)), "nothing registered while a reference is missing");

        configMap(ns, "coder-golden", GOLDEN);
        Agent active = awaitReady(ns, "coder", "True", "Active");
        String version = active.getStatus().getActiveVersion();
        var registered = agents.version(principal(ns), "coder", version).spec();
        assertTrue(registered.get("sandboxManifest") instanceof Map<?, ?> m && m.get("entries") instanceof Map<?, ?> e
                && e.containsKey("outputs"), "the SandboxManifest's manifest is part of the version: " + registered);
        assertFalse(registered.containsKey("sandboxManifestRef") || registered.containsKey("evaluation"),
                registered.toString());
    }

    @Test
    void anEvaluationThatEndsInErrorIsAskedForAgain() {
        String ns = "agents-error";
        configMap(ns, "golden", GOLDEN);
        agents.errorNext(1);
        create(ns, agent("support", s -> s.setEvaluation(goldenSet("golden"))));
        Agent active = awaitReady(ns, "support", "True", "Active");
        assertEquals(2, agents.evaluationRequests(principal(ns), "support").size(), "one error, then one that passed");
        assertEquals("passed", active.getStatus().getLastEvaluation().getResult());
    }

    @Test
    void anUnreachableHarnessIsRetriedAndSaysSo() {
        String ns = "agents-down";
        server.down();
        create(ns, agent("support", s -> { }));
        Agent waiting = awaitReady(ns, "support", "Unknown", "HarnessUnavailable");
        String message = ready(waiting).orElseThrow().getMessage();
        assertTrue(message.contains("the harness is unreachable") && message.contains("retrying"), message);
        assertFalse(message.contains(FakeHarnessResource.TOKEN) || message.contains("127.0.0.1"), message);
        server.up();
        awaitReady(ns, "support", "True", "Active");
    }
}
