package dev.agentharness.runtime.testing;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;
import java.util.Map;

/**
 * Spans to a loopback Application Insights ingestion endpoint (APPLICATIONINSIGHTS_CONNECTION_STRING) and, beside it,
 * to a loopback OTLP receiver (OTEL_EXPORTER_OTLP_ENDPOINT); the fake model answers.
 */
public class WithApplicationInsights implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("OTEL_SERVICE_NAME", "harness-under-test");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeModelResource.class),
                new TestResourceEntry(OtlpReceiverResource.class),
                new TestResourceEntry(ApplicationInsightsReceiverResource.class));
    }
}
