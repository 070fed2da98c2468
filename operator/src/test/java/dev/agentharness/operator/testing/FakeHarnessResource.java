package dev.agentharness.operator.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Starts one {@link FakeHarnessServer} for the operator under test and points the operator at it. */
public class FakeHarnessResource implements QuarkusTestResourceLifecycleManager {

    /** The operator's API token in tests: planted so the secret scans can look for it. */
    public static final String TOKEN = "tok-operator-SECRET-9f8e7d6c5b4a";

    private static volatile FakeHarnessServer server;

    public static FakeHarnessServer server() {
        return server;
    }

    public static FakeHarness fake() {
        return server.harness();
    }

    @Override
    public Map<String, String> start() {
        server = FakeHarnessServer.start(TOKEN);
        return Map.of("agentharness.operator.harness.url", server.url(),
                "agentharness.operator.harness.api-token", TOKEN);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
