package dev.agentharness.operator;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.ArtifactRef;
import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.operator.testing.Cluster;
import dev.agentharness.operator.testing.FakeHarness;
import dev.agentharness.operator.testing.FakeHarnessResource;
import dev.agentharness.operator.testing.FakeHarnessServer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.arc.Arc;
import io.quarkus.opentelemetry.runtime.exporter.otlp.tracing.LateBoundSpanProcessor;
import io.quarkus.opentelemetry.runtime.exporter.otlp.tracing.RemoveableLateBoundSpanProcessor;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * What operations people see: probes, Prometheus metrics (JOSDK's and the harness calls), leader
 * election wiring — and what they must never see: the harness token, or an expiring link, in any
 * AgentRun, Event or log line.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@WithTestResource(FakeHarnessResource.class)
class OperatorSurfaceTest {

    static final String NS = "surface";

    @Inject
    KubernetesClient client;

    @Test
    void probesAnswer() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void metricsShowReconciliationsAndHarnessCalls() {
        Cluster cluster = new Cluster(client, NS);
        FakeHarness fake = FakeHarnessResource.fake();
        cluster.create(Cluster.agentRun("metered", s -> { }));
        await().atMost(Cluster.WAIT).until(() -> fake.runFor(NS, "metered").isPresent());
        fake.succeed(fake.runFor(NS, "metered").orElseThrow(), "ok");
        cluster.awaitSucceeded("metered", "True", "Succeeded");
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("agentharness_operator_harness_calls_total{operation=\"submit\",outcome=\"ok\"}"))
                .body(containsString("agentharness_operator_harness_calls_total{operation=\"list\",outcome=\"ok\"}"))
                .body(containsString("reconciliations_started_total"));
    }

    @Test
    void withoutAnOtlpEndpointNoSpanLeavesTheProcess() {
        // Quarkus 3.33 would export to its default localhost:4317 (and log every failed batch); the operator's own
        // no-op exporter, looked up only while OTEL_EXPORTER_OTLP_ENDPOINT is unset, leaves Quarkus's out.
        assertEquals("false", ConfigProvider.getConfig().getValue(dev.agentharness.otel.OtlpEnvironment.EXPORTING,
                String.class));
        LateBoundSpanProcessor quarkusOtlp = Arc.container().instance(LateBoundSpanProcessor.class).get();
        assertTrue(quarkusOtlp instanceof RemoveableLateBoundSpanProcessor, quarkusOtlp.getClass().getName());
        List<SpanExporter> exporters = Arc.container().select(SpanExporter.class).stream().toList();
        assertEquals(1, exporters.size(), exporters::toString);
        assertEquals(SpanExporter.composite().toString(), exporters.getFirst().toString(), "the no-op exporter");
    }

    @Test
    void leaderElectionIsConfiguredForProductionOnly() {
        // Tests run one operator; in prod QOSDK asks config/LeaderElection for the Lease (LeaderElectionTest).
        String profiles = ConfigProvider.getConfig()
                .getValue("quarkus.operator-sdk.activate-leader-election-for-profiles", String.class);
        assertTrue(profiles.equals("prod"), profiles);
        assertTrue(ConfigProvider.getConfig().getValue("agentharness.operator.leader-election.lease-name", String.class)
                .equals("agent-harness-operator"));
    }

    @Test
    void theTokenAndExpiringLinksAppearInNoStatusEventOrLogLine() throws IOException {
        Cluster cluster = new Cluster(client, NS);
        FakeHarnessServer server = FakeHarnessResource.server();
        FakeHarness fake = server.harness();
        // A "careless proxy" echoes the request's Authorization header in its error detail.
        server.failNextSubmissions(2, 502);
        cluster.create(Cluster.agentRun("leaky-proxy", s -> s.setSaveArtifact(true)));
        AgentRun waiting = cluster.awaitSucceeded("leaky-proxy", "Unknown", "HarnessUnavailable");
        String message = Cluster.succeeded(waiting).orElseThrow().getMessage();
        assertTrue(message.contains("Authorization: Bearer [redacted]"), message);
        await().atMost(Cluster.WAIT).until(() -> fake.runFor(NS, "leaky-proxy").isPresent());
        String runId = fake.runFor(NS, "leaky-proxy").orElseThrow();
        fake.succeed(runId, "done", new ArtifactRef("reply.md", "outputs/" + runId + "/reply.md", 4, "00".repeat(32),
                "text/markdown"));
        cluster.awaitSucceeded("leaky-proxy", "True", "Succeeded");
        assertTrue(server.authorizations().contains("Bearer " + FakeHarnessResource.TOKEN), "the token was really used");

        List<AgentRun> runs = client.resources(AgentRun.class).inAnyNamespace().list().getItems();
        List<Event> events = client.v1().events().inAnyNamespace().list().getItems();
        String everything = Serialization.asJson(runs) + Serialization.asJson(events);
        assertFalse(everything.contains(FakeHarnessResource.TOKEN), "the token is in a resource");
        assertFalse(everything.contains("SIGNED-LINK"), "an expiring link is in a resource");
        assertFalse(everything.contains(server.url()), "the harness URL is in a resource");
        Path log = Path.of("target", "operator-tests.log");
        assertTrue(Files.exists(log), "tests log to " + log);
        assertFalse(Files.readString(log).contains(FakeHarnessResource.TOKEN), "the token is in the log");
    }
}
