package dev.agentharness.runtime.testing;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;
import java.util.Map;

/**
 * The harness with the FAKE model and artifacts on a real S3 server (s3proxy); logs go to a file the tests scan.
 * The local sandbox provider and the example agents are on too, so runs can mount the bucket.
 */
public class WithS3Proxy implements QuarkusTestProfile {

    public static final String LOG_FILE = "target/with-s3proxy.log";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.log.file.enabled", "true",
                "quarkus.log.file.path", LOG_FILE,
                "quarkus.log.file.json.enabled", "false",
                // DEBUG goes to the scanned file only; the console (the CI log) stays at INFO.
                "quarkus.log.console.level", "INFO",
                "quarkus.log.category.\"dev.agentharness\".level", "DEBUG",
                "quarkus.log.category.\"software.amazon.awssdk\".level", "DEBUG",
                "harness.sandbox.provider", "local",
                "harness.agents.dir", "../examples/agents",
                "harness.sandbox.reaper-interval-seconds", "3600");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeModelResource.class), new TestResourceEntry(S3ProxyResource.class));
    }
}
