package dev.agentharness.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.operator.testing.Cluster;
import dev.agentharness.operator.testing.FakeHarness;
import dev.agentharness.operator.testing.FakeHarnessResource;
import dev.agentharness.operator.testing.OtlpExportProfile;
import dev.agentharness.operator.testing.OtlpHttpReceiver;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * With {@code OTEL_EXPORTER_OTLP_ENDPOINT} (and {@code _HEADERS}, {@code OTEL_RESOURCE_ATTRIBUTES}) set, the
 * operator's spans leave through Quarkus's OTLP exporter (http/protobuf by default, like the OpenTelemetry
 * specification's default) and reach a real receiver: the reconcile span, in the trace the AgentRun's status names.
 */
@QuarkusTest
@TestProfile(OtlpExportProfile.class)
@WithKubernetesTestServer(crud = true)
@WithTestResource(FakeHarnessResource.class)
class OperatorTraceExportTest {

    static final String NS = "exported";

    @Inject
    KubernetesClient client;

    @Test
    void theReconcileSpanReachesTheOtlpEndpointWithTheConfiguredHeaderAndResource() {
        Cluster cluster = new Cluster(client, NS);
        FakeHarness fake = FakeHarnessResource.fake();
        cluster.create(Cluster.agentRun("exported", s -> { }));
        AgentRun queued = cluster.awaitRun("exported", run -> run.getStatus() != null && run.getStatus().getTraceId() != null,
                "a traceId in its status");
        String traceId = queued.getStatus().getTraceId();
        assertEquals(fake.runFor(NS, "exported").orElseThrow(), queued.getStatus().getRunId());

        await().atMost(Cluster.WAIT).until(() -> reconcileSpan(traceId) != null);
        OtlpHttpReceiver.Export export = OtlpHttpReceiver.exports().stream()
                .filter(e -> e.request().getResourceSpansList().stream().anyMatch(r -> contains(r, traceId)))
                .findFirst().orElseThrow();
        assertEquals(OtlpHttpReceiver.HEADER_VALUE, export.header(), "OTEL_EXPORTER_OTLP_HEADERS are sent");
        assertEquals("application/x-protobuf", export.contentType(), "http/protobuf unless OTEL_EXPORTER_OTLP_PROTOCOL says");
        ResourceSpans resourceSpans = export.request().getResourceSpansList().stream().filter(r -> contains(r, traceId))
                .findFirst().orElseThrow();
        Map<String, String> resource = strings(resourceSpans.getResource().getAttributesList());
        assertEquals("agent-harness-operator", resource.get("service.name"), "OTEL_SERVICE_NAME's default");
        assertEquals("operator-test", resource.get("deployment.environment.name"), "OTEL_RESOURCE_ATTRIBUTES");

        Span reconcile = reconcileSpan(traceId);
        Map<String, String> attributes = strings(reconcile.getAttributesList());
        assertEquals(NS, attributes.get("k8s.namespace.name"));
        assertEquals("exported", attributes.get("agentharness.agentrun.name"));
        assertEquals(queued.getStatus().getRunId(), attributes.get("run_id"));

        String everything = OtlpHttpReceiver.exports().stream().map(e -> e.request().toString())
                .collect(Collectors.joining());
        assertFalse(everything.contains(FakeHarnessResource.TOKEN), "the harness API token is in an exported span");
        assertTrue(everything.contains("POST /runs"), "the submission's client span is exported too");
    }

    private static Span reconcileSpan(String traceId) {
        return OtlpHttpReceiver.exports().stream()
                .flatMap(e -> e.request().getResourceSpansList().stream())
                .flatMap(r -> r.getScopeSpansList().stream())
                .flatMap(s -> s.getSpansList().stream())
                .filter(s -> s.getName().equals("reconcile AgentRun") && hex(s).equals(traceId))
                .findFirst().orElse(null);
    }

    private static boolean contains(ResourceSpans resourceSpans, String traceId) {
        return resourceSpans.getScopeSpansList().stream().flatMap(s -> s.getSpansList().stream())
                .anyMatch(s -> hex(s).equals(traceId));
    }

    private static String hex(Span span) {
        return HexFormat.of().formatHex(span.getTraceId().toByteArray());
    }

    private static Map<String, String> strings(List<KeyValue> attributes) {
        return attributes.stream().filter(kv -> kv.getValue().hasStringValue())
                .collect(Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().getStringValue(), (a, b) -> a));
    }
}
