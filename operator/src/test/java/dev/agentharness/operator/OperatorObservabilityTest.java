package dev.agentharness.operator;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunPhase;
import dev.agentharness.operator.testing.Cluster;
import dev.agentharness.operator.testing.FakeHarness;
import dev.agentharness.operator.testing.FakeHarnessResource;
import dev.agentharness.operator.testing.FakeHarnessServer;
import dev.agentharness.operator.testing.OwnOperatorProfile;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 on the operator's side: an AgentRun's reconcile and its harness run are one trace (W3C {@code traceparent}
 * on {@code POST /runs}, the trace id back in {@code status.traceId}), and {@code /q/metrics} carries the contract's
 * operator metrics. Against the fabric8 mock API server (CRUD) and the fake harness over HTTP, which, like the
 * harness, continues the trace of the {@code traceparent} it receives.
 */
@QuarkusTest
@TestProfile(OwnOperatorProfile.class)
@WithKubernetesTestServer(crud = true)
@WithTestResource(FakeHarnessResource.class)
class OperatorObservabilityTest {

    static final String NS = "observability";
    static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})");

    @Inject
    KubernetesClient client;

    @Inject
    InMemorySpanExporter spans;

    @Test
    void theReconcileThatSubmitsAndTheHarnessRunAreOneTrace() {
        Cluster cluster = new Cluster(client, NS);
        FakeHarnessServer server = FakeHarnessResource.server();
        FakeHarness fake = server.harness();
        AgentRun created = cluster.create(Cluster.agentRun("traced", s -> { }));
        await().atMost(Cluster.WAIT).until(() -> fake.runFor(NS, "traced").isPresent());
        String runId = fake.runFor(NS, "traced").orElseThrow();
        String key = fake.submissionsFor(NS, "traced").getFirst().idempotencyKey();

        String traceparent = server.submitTraceparents().stream().filter(t -> key.equals(t.idempotencyKey()))
                .findFirst().orElseThrow().header();
        assertNotNull(traceparent, "POST /runs carried no traceparent");
        Matcher w3c = TRACEPARENT.matcher(traceparent);
        assertTrue(w3c.matches(), "not a W3C traceparent: " + traceparent);
        String traceId = w3c.group(1);
        assertFalse(traceId.equals("0".repeat(32)) || w3c.group(2).equals("0".repeat(16)), traceparent);
        assertEquals("01", w3c.group(3), "sampled by default (parentbased_always_on)");

        AgentRun queued = cluster.awaitRun("traced", run -> run.getStatus() != null && run.getStatus().getTraceId() != null,
                "a traceId in its status");
        assertEquals(runId, queued.getStatus().getRunId());
        assertEquals(traceId, queued.getStatus().getTraceId(), "status.traceId is the trace of the traceparent");

        SpanData reconcile = awaitSpan("reconcile AgentRun", "traced");
        assertEquals(traceId, reconcile.getTraceId(), "the reconcile span is in the run's trace");
        assertFalse(reconcile.getParentSpanContext().isValid(), "the reconcile span starts the trace");
        assertEquals(NS, reconcile.getAttributes().get(AttributeKey.stringKey("k8s.namespace.name")));
        assertEquals(created.getMetadata().getUid(),
                reconcile.getAttributes().get(AttributeKey.stringKey("agentharness.agentrun.uid")));
        assertEquals(runId, reconcile.getAttributes().get(AttributeKey.stringKey("run_id")));
        // The traceparent's parent is the reconcile span itself or a client span under it.
        String parentOfHarness = w3c.group(2);
        assertTrue(parentOfHarness.equals(reconcile.getSpanId()) || spans.getFinishedSpanItems().stream()
                        .anyMatch(s -> s.getSpanId().equals(parentOfHarness) && s.getParentSpanId().equals(reconcile.getSpanId())),
                "the harness's parent span " + parentOfHarness + " is not the reconcile span or its child");

        // Calls outside a reconciliation (the feed's GET /runs every poll, the Kubernetes API) start no trace.
        assertTrue(server.count("GET", "/runs?") > 0, "the feed polled");
        List<String> rootClientSpans = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.CLIENT && !s.getParentSpanContext().isValid())
                .map(s -> s.getName() + " " + s.getAttributes()).toList();
        assertTrue(rootClientSpans.isEmpty(), rootClientSpans::toString);
        assertTrue(spans.getFinishedSpanItems().stream().anyMatch(s -> s.getKind() == SpanKind.CLIENT
                && s.getParentSpanId().equals(reconcile.getSpanId())), "POST /runs is a client span of the reconcile");

        String everyAttribute = spans.getFinishedSpanItems().stream().map(s -> s.getName() + s.getAttributes())
                .collect(Collectors.joining("\n"));
        assertFalse(everyAttribute.contains(FakeHarnessResource.TOKEN), "the API token is in a span");
    }

    @Test
    void metricsCountAgentRunsByPhaseAndTimeReconciliations() {
        Cluster cluster = new Cluster(client, NS);
        FakeHarness fake = FakeHarnessResource.fake();
        for (String name : List.of("ends-well", "ends-badly", "goes-on", "waits")) {
            cluster.create(Cluster.agentRun(name, s -> { }));
        }
        await().atMost(Cluster.WAIT).until(() -> List.of("ends-well", "ends-badly", "goes-on", "waits").stream()
                .allMatch(name -> fake.runFor(NS, name).isPresent()));
        fake.succeed(fake.runFor(NS, "ends-well").orElseThrow(), "done");
        fake.fail(fake.runFor(NS, "ends-badly").orElseThrow(), "ModelError");
        fake.start(fake.runFor(NS, "goes-on").orElseThrow());
        awaitPhase(cluster, "ends-well", AgentRunPhase.Succeeded);
        awaitPhase(cluster, "ends-badly", AgentRunPhase.Failed);
        awaitPhase(cluster, "goes-on", AgentRunPhase.Running);
        awaitPhase(cluster, "waits", AgentRunPhase.Queued);

        // Exactly what the API server holds, per phase (this operator of its own knows no other AgentRuns).
        await().atMost(Cluster.WAIT).untilAsserted(() -> {
            Map<AgentRunPhase, Long> expected = phasesInCluster();
            assertTrue(expected.get(AgentRunPhase.Succeeded) >= 1 && expected.get(AgentRunPhase.Failed) >= 1
                    && expected.get(AgentRunPhase.Running) >= 1 && expected.get(AgentRunPhase.Queued) >= 1, expected::toString);
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            for (AgentRunPhase phase : AgentRunPhase.values()) {
                assertEquals(Optional.of((double) expected.get(phase)),
                        sample(metrics, "agentharness_operator_agentruns{phase=\"" + phase.name() + "\"}"), phase.name());
            }
        });

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(sample(metrics, "agentharness_operator_reconcile_duration_seconds_count{outcome=\"ok\",resource=\"agentrun\"}")
                .orElse(0.0) >= 4, "reconciliations of the AgentRuns are timed");
        assertTrue(metrics.contains("agentharness_operator_reconcile_duration_seconds_bucket{outcome=\"ok\",resource=\"agentrun\",le="),
                "the reconcile duration is a histogram");
        assertTrue(metrics.contains("agentharness_operator_reconcile_duration_seconds_count{outcome=\"ok\",resource=\"sandboxmanifest\"}"));
        assertEquals(Optional.of(0.0), sample(metrics, "agentharness_operator_reconcile_errors_total{resource=\"agentrun\"}"));
        assertEquals(Optional.of(0.0), sample(metrics, "agentharness_operator_reconcile_errors_total{resource=\"sandboxmanifest\"}"));
        await().atMost(Cluster.WAIT).until(() -> sample(given().get("/q/metrics").then().extract().asString(),
                "agentharness_operator_feed_lag_seconds").filter(lag -> !lag.isNaN() && lag >= 0).isPresent());
        assertTrue(metrics.contains("agentharness_operator_harness_calls_total{operation=\"submit\",outcome=\"ok\"}"));
    }

    private Map<AgentRunPhase, Long> phasesInCluster() {
        Map<AgentRunPhase, Long> counts = new EnumMap<>(AgentRunPhase.class);
        for (AgentRunPhase phase : AgentRunPhase.values()) {
            counts.put(phase, 0L);
        }
        client.resources(AgentRun.class).inAnyNamespace().list().getItems().stream()
                .filter(run -> run.getStatus() != null && run.getStatus().getPhase() != null)
                .forEach(run -> counts.merge(run.getStatus().getPhase(), 1L, Long::sum));
        return counts;
    }

    private static void awaitPhase(Cluster cluster, String name, AgentRunPhase phase) {
        cluster.awaitRun(name, run -> run.getStatus() != null && phase.equals(run.getStatus().getPhase()), "phase " + phase);
    }

    /** The value of one series in Prometheus text, e.g. {@code name{a="b"} 1.0}. */
    static Optional<Double> sample(String metrics, String series) {
        return metrics.lines().filter(line -> line.startsWith(series + " "))
                .map(line -> Double.valueOf(line.substring(series.length() + 1).trim().split(" ")[0])).findFirst();
    }

    private SpanData awaitSpan(String name, String agentRun) {
        AttributeKey<String> agentRunName = AttributeKey.stringKey("agentharness.agentrun.name");
        await().atMost(Cluster.WAIT).until(() -> spans.getFinishedSpanItems().stream()
                .anyMatch(s -> s.getName().equals(name) && agentRun.equals(s.getAttributes().get(agentRunName))));
        return spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(name) && agentRun.equals(s.getAttributes().get(agentRunName)))
                .findFirst().orElseThrow();
    }
}
