package dev.agentharness.runtime.testing;

import dev.agentharness.fakes.e2b.FakeE2bServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Starts the FAKE E2B (both planes on one port) for a Quarkus test profile and points the harness's
 * E2B provider at it: control plane through E2B_API_URL, envd through E2B_SANDBOX_URL.
 */
public class FakeE2bResource implements QuarkusTestResourceLifecycleManager {

    public static final String OWNER = "harness-tests";
    private static volatile FakeE2bServer server;

    public static FakeE2bServer server() {
        return server;
    }

    @Override
    public Map<String, String> start() {
        server = new FakeE2bServer().start(0);
        return Map.of(
                "harness.sandbox.e2b.api-key", server.apiKey(),
                "harness.sandbox.e2b.api-url", server.url(),
                "harness.sandbox.e2b.sandbox-url", server.url(),
                "harness.sandbox.e2b.owner", OWNER);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
