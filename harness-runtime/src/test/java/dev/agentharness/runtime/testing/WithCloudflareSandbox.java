package dev.agentharness.runtime.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * The harness with the Cloudflare sandbox provider against the FAKE bridge Worker, the example
 * agents directory (for {@code analyst}) and the FAKE model; the reaper's timer slowed down as in
 * {@link WithLocalSandbox}.
 */
public class WithCloudflareSandbox implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "harness.agents.dir", "../examples/agents",
                "harness.sandbox.reaper-interval-seconds", "3600");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeModelResource.class), new TestResourceEntry(FakeCloudflareResource.class));
    }
}
