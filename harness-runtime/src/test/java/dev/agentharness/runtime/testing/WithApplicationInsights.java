package dev.agentharness.runtime.testing;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;
import java.util.Map;

/**
 * Spans to a loopback Application Insights ingestion endpoint (APPLICATIONINSIGHTS_CONNECTION_STRING) and, beside it,
 * to a loopback OTLP receiver (OTEL_EXPORTER_OTLP_ENDPOINT); the fake model answers.
 */
public class WithApplicationInsights implements QuarkusTestProfile {

    public static final String LOG_FILE = "target/with-application-insights.log";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("OTEL_SERVICE_NAME", "harness-under-test",
                // Scanned for the connection string: the Azure SDK's own loggers at DEBUG, in the file only.
                "quarkus.log.file.enabled", "true",
                "quarkus.log.file.path", LOG_FILE,
                "quarkus.log.file.json.enabled", "false",
                "quarkus.log.console.level", "INFO",
                "quarkus.log.category.\"com.azure\".level", "DEBUG",
                "quarkus.log.category.\"dev.agentharness\".level", "DEBUG");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeModelResource.class),
                new TestResourceEntry(OtlpReceiverResource.class),
                new TestResourceEntry(ApplicationInsightsReceiverResource.class));
    }
}
