package dev.agentharness.runtime.testing;

import dev.agentharness.runtime.runs.HarnessRoles;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The harness booted exactly as {@code eval nightly} boots it ({@link HarnessRoles#JOB_PROPERTIES}: no HTTP listener,
 * no run worker, no scheduler, no reaper), with artifacts on a real S3 server (s3proxy, so the report's presigned link
 * is fetched as a browser would), a webhook receiver for the summary and the FAKE model for the judge.
 */
public class WithNightlyJob implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>(HarnessRoles.JOB_PROPERTIES);
        config.put("harness.evals.nightly.concurrency", "3");
        // The test database holds every earlier test's runs, many of them in the window: a sample of 200 (the default)
        // could miss the runs a test made and checks. All of the window is graded instead; RunSamples' own test
        // covers the sampling.
        config.put("harness.evals.nightly.sample", "1000000");
        return config;
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeModelResource.class), new TestResourceEntry(S3ProxyResource.class),
                new TestResourceEntry(WebhookReceiverResource.class,
                        Map.of(WebhookReceiverResource.SETTING, "harness.evals.nightly.webhook-url")));
    }
}
