package dev.agentharness.runtime.testing;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;
import java.util.Map;

/** An OTLP receiver configured, and OTEL_TRACES_SAMPLER=always_off. */
public class WithTracesSampledOff implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("OTEL_TRACES_SAMPLER", "always_off");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeModelResource.class),
                new TestResourceEntry(OtlpReceiverResource.class));
    }
}
