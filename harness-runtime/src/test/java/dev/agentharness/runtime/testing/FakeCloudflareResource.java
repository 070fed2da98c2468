package dev.agentharness.runtime.testing;

import dev.agentharness.fakes.cloudflare.FakeCloudflareWorker;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Starts the FAKE Cloudflare Sandbox bridge Worker for a Quarkus test profile and points the
 * harness at it ({@code SANDBOX_PROVIDER=cloudflare}) with a test key. Tests reach it through
 * {@link #worker()}.
 */
public class FakeCloudflareResource implements QuarkusTestResourceLifecycleManager {

    public static final String TEST_WORKER_KEY = "cf-test-worker-key-5b8e21";

    private static volatile FakeCloudflareWorker worker;

    public static FakeCloudflareWorker worker() {
        return worker;
    }

    @Override
    public Map<String, String> start() {
        // Small chunks and keep-alives: the harness meets split characters and comments on every run.
        worker = new FakeCloudflareWorker(TEST_WORKER_KEY).chunkBytes(3).keepAlives(true).start(0);
        return Map.of(
                "harness.sandbox.provider", "cloudflare",
                "harness.sandbox.cloudflare.worker-url", worker.url(),
                "harness.sandbox.cloudflare.api-key", TEST_WORKER_KEY);
    }

    @Override
    public void stop() {
        if (worker != null) {
            worker.close();
            worker = null;
        }
    }
}
