package dev.agentharness.runtime.testing;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;
import java.util.Map;

/**
 * Spans to a loopback OTLP receiver over gRPC, described by OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, and to a
 * second receiver as the Phoenix collector (API key, project name); the fake model answers.
 */
public class WithGrpcExportAndPhoenix implements QuarkusTestProfile {

    public static final String SERVICE_NAME = "harness-under-test";
    public static final String COLLECTOR_KEY = "grpc-collector-key";
    public static final String PHOENIX_KEY = "phoenix-test-key-0123456789";
    public static final String PROJECT = "harness-tests";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc",
                "OTEL_EXPORTER_OTLP_HEADERS", "x-collector-key=" + COLLECTOR_KEY,
                "OTEL_SERVICE_NAME", SERVICE_NAME,
                "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=test,team=agents%20core",
                "PHOENIX_API_KEY", PHOENIX_KEY,
                "PHOENIX_PROJECT_NAME", PROJECT);
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeModelResource.class),
                new TestResourceEntry(OtlpReceiverResource.class),
                new TestResourceEntry(PhoenixReceiverResource.class));
    }
}
