package dev.agentharness.runtime.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * The harness with SANDBOX_PROVIDER=e2b against the FAKE E2B, the example agents and the FAKE model;
 * logs (DEBUG for the harness, including the E2B client's retries) go to a file the tests scan.
 */
public class WithE2bSandbox implements QuarkusTestProfile {

    public static final String LOG_FILE = "target/with-e2b.log";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "harness.sandbox.provider", "e2b",
                "harness.agents.dir", "../examples/agents",
                "harness.sandbox.reaper-interval-seconds", "3600",
                "quarkus.log.file.enabled", "true",
                "quarkus.log.file.path", LOG_FILE,
                "quarkus.log.file.json.enabled", "false",
                "quarkus.log.console.level", "INFO",
                "quarkus.log.category.\"dev.agentharness\".level", "DEBUG");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeModelResource.class), new TestResourceEntry(FakeE2bResource.class));
    }
}
