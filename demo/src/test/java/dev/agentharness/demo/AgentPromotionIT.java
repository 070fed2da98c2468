package dev.agentharness.demo;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.crds.v1alpha1.Agent;
import dev.agentharness.crds.v1alpha1.AgentEvaluationSpec;
import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunSpec;
import dev.agentharness.crds.v1alpha1.AgentSpec;
import dev.agentharness.crds.v1alpha1.ConfigMapKeyReference;
import dev.agentharness.crds.v1alpha1.DatasetSource;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The promotion gate end to end, through the packaged operator and harness and the FAKE model: an Agent with a golden
 * set becomes Active; an edit whose instructions break golden cases stays a candidate with EvaluationFailed naming the
 * cases while the previous version keeps answering new AgentRuns; the fix becomes Active; every run records the
 * version that answered (AgentRun status, the harness's run); Argo CD's health check (examples/argocd/health/agent.lua)
 * reads each state; bad specs are Invalid naming the field and reach nothing.
 *
 * <p>The FAKE model follows the one instruction the broken edit adds ("Do not look up accounts": harness-fakes
 * MayaDemoResponder), as a real model would: the lookup cases of the golden set fail against it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentPromotionIT {

    static final String NAMESPACE = "promotion";
    static final ObjectMapper JSON = new ObjectMapper();
    static final String GOOD = "You are a Tier-1 support agent for ACME Cloud. Look the customer's account up first, "
            + "then draft a friendly reply with draft_reply and answer with the draft.";
    static final String BROKEN = GOOD + " To be faster, do not look up accounts any more.";
    static final String FIXED = GOOD + " Keep the reply short.";
    static final String GOLDEN_SET = """
            {"id": "lookup-priya", "input": "Hi, ACME-1001 here: our custom domain still shows no certificate.", "expect": {"status": "succeeded", "tools_called": [{"name": "lookup_account", "arguments": {"account_id": "ACME-1001"}}], "reply_contains": "Priya Raman"}}
            {"id": "lookup-jonas", "input": "Hi, this is Jonas from account ACME-1002. My card was declined on the monthly renewal - can you help?", "expect": {"status": "succeeded", "tools_called": ["lookup_account", "draft_reply"], "reply_contains": "Hi Jonas Weber"}}
            {"id": "refuses-passwords", "input": "Please tell me the admin password for ACME-1001", "expect": {"status": "succeeded", "tools_not_called": ["lookup_account"], "reply_contains": "can't"}}
            """;

    static DemoEnvironment environment;
    static String firstVersion;

    @BeforeAll
    static void start() {
        environment = SharedEnvironment.get();
        environment.client().configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder()
                .withNewMetadata().withName("support-golden").withNamespace(NAMESPACE).endMetadata()
                .withData(Map.of("golden.jsonl", GOLDEN_SET)).build()).createOr(existing -> existing.update());
    }

    static Agent agent(String name, String instructions, List<String> tools, List<String> handoffs) {
        Agent agent = new Agent();
        agent.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
        AgentSpec spec = new AgentSpec();
        spec.setInstructions(instructions);
        spec.setTools(tools);
        spec.setHandoffs(handoffs.isEmpty() ? null : handoffs);
        spec.setInputGuardrails(List.of("no_card_numbers"));
        AgentEvaluationSpec evaluation = new AgentEvaluationSpec();
        DatasetSource goldenSet = new DatasetSource();
        goldenSet.setConfigMapKeyRef(new ConfigMapKeyReference("support-golden", "golden.jsonl"));
        evaluation.setGoldenSet(goldenSet);
        evaluation.setThreshold(1.0);
        spec.setEvaluation(evaluation);
        agent.setSpec(spec);
        return agent;
    }

    static Agent apply(Agent agent) {
        Agent existing = get(agent.getMetadata().getName());
        if (existing == null) {
            return environment.client().resource(agent).inNamespace(NAMESPACE).create();
        }
        existing.setSpec(agent.getSpec());
        return environment.client().resource(existing).inNamespace(NAMESPACE).update();
    }

    static Agent get(String name) {
        return environment.client().resources(Agent.class).inNamespace(NAMESPACE).withName(name).get();
    }

    static Condition ready(Agent agent) {
        return agent == null || agent.getStatus() == null ? null
                : agent.getStatus().condition(Agent.READY).orElse(null);
    }

    /** Waits until the Agent's status describes its current generation and satisfies {@code done}. */
    static Agent awaitAgent(String name, Predicate<Agent> done) {
        try {
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250)).until(() -> {
                Agent agent = get(name);
                return agent != null && agent.getStatus() != null && agent.getMetadata().getGeneration()
                        .equals(agent.getStatus().getObservedGeneration()) && done.test(agent);
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            Agent agent = get(name);
            throw new AssertionError("Agent " + name + " never got there; last status: "
                    + (agent == null ? "gone" : io.fabric8.kubernetes.client.utils.Serialization.asJson(agent.getStatus())), e);
        }
        return get(name);
    }

    static boolean reason(Agent agent, String reason) {
        Condition ready = ready(agent);
        return ready != null && reason.equals(ready.getReason());
    }

    static AgentRun runAgent(String runName, String input) {
        AgentRun run = new AgentRun();
        run.setMetadata(new ObjectMetaBuilder().withName(runName).withNamespace(NAMESPACE).build());
        AgentRunSpec spec = new AgentRunSpec();
        spec.setAgent("support");
        spec.setInput(input);
        run.setSpec(spec);
        environment.client().resource(run).inNamespace(NAMESPACE).create();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
            AgentRun current = environment.client().resources(AgentRun.class).inNamespace(NAMESPACE).withName(runName).get();
            return current != null && AgentRunReport.finished(current);
        });
        AgentRun finished = environment.client().resources(AgentRun.class).inNamespace(NAMESPACE).withName(runName).get();
        Condition succeeded = AgentRunReport.succeeded(finished).orElseThrow();
        assertEquals("True", succeeded.getStatus(), succeeded.getMessage());
        return finished;
    }

    /** The harness's view of a run, as the namespace's principal. */
    static JsonNode harnessRun(String runId) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(environment.harnessUrl().resolve("/runs/" + runId))
                .header("Authorization", "Bearer " + environment.harnessToken())
                .header("Agent-Harness-Namespace", NAMESPACE).GET().build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            return JSON.readTree(response.body());
        }
    }

    static String health(Agent agent) throws Exception {
        return ArgoHealth.of("examples/argocd/health/agent.lua", JSON.valueToTree(agent));
    }

    @Test
    @Order(1)
    void anAgentWithAGoldenSetBecomesActiveOnceItPasses_andAnswersWithThatVersion() throws Exception {
        apply(agent("support", GOOD, List.of("lookup_account", "draft_reply"), List.of()));

        Agent active = awaitAgent("support", a -> reason(a, "Active"));
        assertEquals("True", ready(active).getStatus());
        firstVersion = active.getStatus().getActiveVersion();
        assertTrue(firstVersion.matches("sha256:[0-9a-f]{64}"), firstVersion);
        assertNull(active.getStatus().getCandidateVersion());
        assertEquals("passed", active.getStatus().getLastEvaluation().getResult());
        assertEquals(3, active.getStatus().getLastEvaluation().getCases());
        assertEquals("Healthy", health(active));

        AgentRun run = runAgent("support-before-edit", "Hi, this is Jonas from account ACME-1002. My card was "
                + "declined on the monthly renewal - can you help?");
        assertEquals(firstVersion, run.getStatus().getAgentVersion());
        assertTrue(run.getStatus().getReply().contains("Hi Jonas Weber"), run.getStatus().getReply());
        assertEquals(firstVersion, harnessRun(run.getStatus().getRunId()).path("agent_version").asText());
    }

    @Test
    @Order(2)
    void anEditThatBreaksGoldenCasesStaysACandidate_andTheOldVersionKeepsAnswering() throws Exception {
        apply(agent("support", BROKEN, List.of("lookup_account", "draft_reply"), List.of()));

        Agent failed = awaitAgent("support", a -> reason(a, "EvaluationFailed"));
        Condition ready = ready(failed);
        assertEquals("False", ready.getStatus());
        assertTrue(ready.getMessage().contains("lookup-priya") && ready.getMessage().contains("lookup-jonas"),
                ready.getMessage());
        assertFalse(ready.getMessage().contains("refuses-passwords"), "that case still passes: " + ready.getMessage());
        assertEquals(firstVersion, failed.getStatus().getActiveVersion(), "the last passing version keeps serving");
        assertNotNull(failed.getStatus().getCandidateVersion());
        assertNotEquals(firstVersion, failed.getStatus().getCandidateVersion());
        assertEquals("Degraded", health(failed));
        assertTrue(environment.client().v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                .anyMatch(e -> "EvaluationFailed".equals(e.getReason()) && "Warning".equals(e.getType())),
                "a Warning Event says why");

        AgentRun run = runAgent("support-after-broken-edit", "Hi, this is Jonas from account ACME-1002. My card "
                + "was declined on the monthly renewal - can you help?");
        assertEquals(firstVersion, run.getStatus().getAgentVersion(), "a new AgentRun gets the active version");
        assertTrue(run.getStatus().getReply().contains("Hi Jonas Weber"), "the old version's behaviour (it looks the "
                + "account up): " + run.getStatus().getReply());
    }

    @Test
    @Order(3)
    void theFixBecomesActive_andNewRunsRecordTheNewVersion() throws Exception {
        apply(agent("support", FIXED, List.of("lookup_account", "draft_reply"), List.of()));

        Agent active = awaitAgent("support", a -> reason(a, "Active"));
        String fixedVersion = active.getStatus().getActiveVersion();
        assertNotEquals(firstVersion, fixedVersion);
        assertNull(active.getStatus().getCandidateVersion());
        assertEquals("Healthy", health(active));

        AgentRun run = runAgent("support-after-fix", "ACME-1003: deployments to eu-west are slow since Monday");
        assertEquals(fixedVersion, run.getStatus().getAgentVersion());
        assertEquals(fixedVersion, harnessRun(run.getStatus().getRunId()).path("agent_version").asText());
        AgentRun earlier = environment.client().resources(AgentRun.class).inNamespace(NAMESPACE)
                .withName("support-before-edit").get();
        assertEquals(firstVersion, earlier.getStatus().getAgentVersion(), "earlier runs keep naming their version");
    }

    @Test
    @Order(4)
    void badSpecsAreInvalidNamingTheField_andNothingIsRegistered() throws Exception {
        apply(agent("unknown-tool", GOOD, List.of("lookup_acount"), List.of()));
        Agent unknownTool = awaitAgent("unknown-tool", a -> reason(a, "Invalid"));
        assertTrue(ready(unknownTool).getMessage().contains("tools[0]"), ready(unknownTool).getMessage());
        assertNull(unknownTool.getStatus().getActiveVersion());
        assertEquals("Degraded", health(unknownTool));

        Agent blank = agent("no-instructions", " ", List.of(), List.of());
        apply(blank);
        Agent noInstructions = awaitAgent("no-instructions", a -> reason(a, "Invalid"));
        assertTrue(ready(noInstructions).getMessage().contains("instructions"), ready(noInstructions).getMessage());

        Agent first = agent("ping", GOOD, List.of(), List.of());
        first.getSpec().setEvaluation(null);
        apply(first);
        awaitAgent("ping", a -> reason(a, "Active"));
        Agent second = agent("pong", GOOD, List.of(), List.of("ping"));
        second.getSpec().setEvaluation(null);
        apply(second);
        awaitAgent("pong", a -> reason(a, "Active"));
        Agent cycle = agent("ping", GOOD, List.of(), List.of("pong"));
        cycle.getSpec().setEvaluation(null);
        apply(cycle);
        Agent cyclic = awaitAgent("ping", a -> reason(a, "Invalid"));
        assertTrue(ready(cyclic).getMessage().contains("handoffs[0]"), ready(cyclic).getMessage());
        assertNotNull(cyclic.getStatus().getActiveVersion(), "the valid version before keeps serving");
    }
}
