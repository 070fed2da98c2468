package dev.agentharness.runtime.testing;

import dev.agentharness.fakes.FakeModelServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Starts the FAKE Responses API server for a Quarkus test profile and points the harness at it
 * with a test key. Tests script it through {@link #server()}.
 */
public class FakeModelResource implements QuarkusTestResourceLifecycleManager {

    public static final String TEST_MODEL_KEY = "sk-test-model-key-7f3a9c";

    private static volatile FakeModelServer server;

    public static FakeModelServer server() {
        return server;
    }

    @Override
    public Map<String, String> start() {
        server = new FakeModelServer().start(0);
        return Map.of(
                "harness.model.api-key", TEST_MODEL_KEY,
                "harness.model.base-url", server.baseUrl(),
                "harness.model.max-retries", "1",
                "harness.model.timeout-seconds", "10");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
