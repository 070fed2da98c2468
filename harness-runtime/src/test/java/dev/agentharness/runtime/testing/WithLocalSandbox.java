package dev.agentharness.runtime.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * The harness with the local (bubblewrap) sandbox provider, the example agents directory (for
 * {@code analyst}) and the FAKE model. The reaper's timer is slowed down so tests call
 * {@code reapOnce()} themselves and see exactly one pass.
 */
public class WithLocalSandbox implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "harness.sandbox.provider", "local",
                "harness.agents.dir", "../examples/agents",
                "harness.sandbox.reaper-interval-seconds", "3600");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeModelResource.class));
    }
}
