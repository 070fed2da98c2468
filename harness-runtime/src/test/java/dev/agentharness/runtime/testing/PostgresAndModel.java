package dev.agentharness.runtime.testing;

import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.Reply;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the multi-replica ITs start before each test: a private Debian PostgreSQL (skipped where it is not installed,
 * failing with {@code CI=true}) and a FAKE model that answers "handled" after {@code modelLatency}. Register it with
 * {@code @RegisterExtension}; both are stopped after the test.
 */
public final class PostgresAndModel implements BeforeEachCallback, AfterEachCallback {

    private final Duration modelLatency;
    private LocalPostgres postgres;
    private FakeModelServer model;

    public PostgresAndModel(Duration modelLatency) {
        this.modelLatency = modelLatency;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        LocalPostgres.assumeInstalled(false);
        postgres = LocalPostgres.start();
        model = new FakeModelServer().start(0).latency(modelLatency).responder(request -> Reply.message("handled"));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (model != null) {
            model.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    public LocalPostgres postgres() {
        return postgres;
    }

    public FakeModelServer model() {
        return model;
    }
}
