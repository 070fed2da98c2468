package dev.agentharness.runtime.testing;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;

/** The harness on embedded PostgreSQL, talking to the FAKE model, in loopback dev mode (no API keys). */
public class WithFakeModel implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeModelResource.class));
    }
}
