package dev.agentharness.demo;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunSpec;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.Responder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two namespaces, two tenants, through the packaged operator and harness (SharedEnvironment's tenants file: team-a
 * may have one run in flight and none waiting, team-b is unlimited). Each AgentRun's run belongs to its namespace's
 * principal {@code ns:<namespace>} ({@code GET /runs} with the delegation header shows only the namespace's own runs);
 * team-a's second AgentRun, created while its first is in flight, is {@code Unknown/Throttled} naming the limit and
 * succeeds once the first finished — one run, never failed; team-b is not slowed by team-a meanwhile. The first run is
 * held in flight by the FAKE model (a gate on a marker in its input), not by timing.
 */
class TwoTenantsIT {

    static final String TEAM_A = "team-a";
    static final String TEAM_B = "team-b";
    static final ObjectMapper JSON = new ObjectMapper();
    static final String INPUT = "Hi, this is Jonas from account ACME-1002. My card was declined on the monthly renewal"
            + " - can you help?";

    static DemoEnvironment environment;
    static Responder original;

    @BeforeAll
    static void start() {
        environment = SharedEnvironment.get();
        original = FakeModelServer.demo();
    }

    @AfterAll
    static void restoreModel() {
        if (environment != null) {
            environment.fakeModel().ifPresent(model -> model.responder(original));
        }
    }

    static AgentRun agentRun(String namespace, String name, String input) {
        AgentRun run = new AgentRun();
        run.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        AgentRunSpec spec = new AgentRunSpec();
        spec.setAgent("maya");
        spec.setInput(input);
        spec.setTimeoutSeconds(300);
        run.setSpec(spec);
        return environment.client().resource(run).inNamespace(namespace).create();
    }

    static AgentRun get(String namespace, String name) {
        return environment.client().resources(AgentRun.class).inNamespace(namespace).withName(name).get();
    }

    static Condition awaitCondition(String namespace, String name, String status, String reason) {
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
                AgentRun run = get(namespace, name);
                return run != null && AgentRunReport.succeeded(run)
                        .filter(c -> status.equals(c.getStatus()) && reason.equals(c.getReason())).isPresent();
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            AgentRun run = get(namespace, name);
            throw new AssertionError(namespace + "/" + name + " never reached " + status + "/" + reason + "; last: "
                    + (run == null ? "(gone)" : io.fabric8.kubernetes.client.utils.Serialization.asYaml(run.getStatus())), e);
        }
        return AgentRunReport.succeeded(get(namespace, name)).orElseThrow();
    }

    /** {@code GET /runs?updated_since=} as the operator, for {@code namespace} (null: as the operator itself). */
    static List<String> runsOf(String namespace, Instant since) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(environment.harnessUrl()
                        .resolve("/runs?limit=500&updated_since=" + since))
                .header("Authorization", "Bearer " + environment.harnessToken());
        if (namespace != null) {
            request.header("Agent-Harness-Namespace", namespace);
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            List<String> ids = new ArrayList<>();
            for (JsonNode run : JSON.readTree(response.body()).path("runs")) {
                ids.add(run.path("run_id").asText());
            }
            return ids;
        }
    }

    @Test
    void eachNamespaceIsItsOwnTenant_aThrottledAgentRunWaitsAndSucceeds_theOtherTenantIsNotSlowed() throws Exception {
        FakeModelServer model = environment.fakeModel().orElseThrow();
        Instant since = Instant.now().minusSeconds(60);
        String marker = "HOLD-" + UUID.randomUUID();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        model.responder(request -> {
            if (request.body().toString().contains(marker)) {
                held.countDown();
                try {
                    release.await(120, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return original.reply(request);
        });
        try {
            agentRun(TEAM_A, "first", INPUT + " (" + marker + ")");
            assertTrue(held.await(120, TimeUnit.SECONDS), "team-a's first run reached the model and is in flight");

            agentRun(TEAM_A, "second", INPUT + " Second try.");
            Condition throttled = awaitCondition(TEAM_A, "second", "Unknown", "Throttled");
            assertTrue(throttled.getMessage().startsWith("namespace team-a is at limit max_"), throttled.getMessage());
            assertFalse(throttled.getMessage().contains(environment.harnessToken()), "no token in a status");

            // team-b is its own tenant: its run goes through while team-a's first is still held.
            agentRun(TEAM_B, "other", INPUT);
            awaitCondition(TEAM_B, "other", "True", "Succeeded");
            assertEquals("Unknown", AgentRunReport.succeeded(get(TEAM_A, "first")).orElseThrow().getStatus(),
                    "team-a's first run is still in flight");
            assertEquals("Throttled", AgentRunReport.succeeded(get(TEAM_A, "second")).orElseThrow().getReason());
        } finally {
            release.countDown();
        }
        awaitCondition(TEAM_A, "first", "True", "Succeeded");
        awaitCondition(TEAM_A, "second", "True", "Succeeded");

        String first = get(TEAM_A, "first").getStatus().getRunId();
        String second = get(TEAM_A, "second").getStatus().getRunId();
        String other = get(TEAM_B, "other").getStatus().getRunId();
        assertEquals(List.of(first, second).stream().sorted().toList(), runsOf(TEAM_A, since).stream().sorted().toList(),
                "team-a's runs are exactly its two AgentRuns' (the throttled one was created once)");
        assertEquals(List.of(other), runsOf(TEAM_B, since), "team-b sees only its own run");
        List<String> own = runsOf(null, since);
        assertFalse(own.contains(first) || own.contains(second) || own.contains(other),
                "the operator's own principal owns none of the namespaces' runs: " + own);
    }
}
