package dev.agentharness.runtime.testing;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;
import java.util.Map;

/**
 * An OTLP receiver configured, and OTEL_TRACES_SAMPLER=always_off; logs also go to a file as JSON ({@code LOG_JSON}'s
 * format), which the test reads.
 */
public class WithTracesSampledOff implements QuarkusTestProfile {

    public static final String JSON_LOG_FILE = "target/traces-sampled-off.json.log";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("OTEL_TRACES_SAMPLER", "always_off",
                "quarkus.log.file.enabled", "true",
                "quarkus.log.file.path", JSON_LOG_FILE,
                "quarkus.log.file.json.enabled", "true");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeModelResource.class),
                new TestResourceEntry(OtlpReceiverResource.class));
    }
}
