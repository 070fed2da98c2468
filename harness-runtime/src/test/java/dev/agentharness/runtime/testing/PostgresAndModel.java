package dev.agentharness.runtime.testing;

import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.fakes.model.Responder;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the multi-replica ITs start before each test: a private Debian PostgreSQL (skipped where it is not installed,
 * failing with {@code CI=true}), optionally PgBouncer in transaction mode in front of it ({@link #throughPgBouncer()}),
 * and a FAKE model that answers after {@code modelLatency} — "handled" unless another {@link #responder} is given.
 * Register it with {@code @RegisterExtension}; everything is stopped after the test.
 */
public final class PostgresAndModel implements BeforeEachCallback, AfterEachCallback {

    private final Duration modelLatency;
    private Responder responder = request -> Reply.message("handled");
    private boolean pgBouncer;
    private LocalPostgres postgres;
    private LocalPgBouncer bouncer;
    private FakeModelServer model;

    public PostgresAndModel(Duration modelLatency) {
        this.modelLatency = modelLatency;
    }

    /** The harness connects through PgBouncer in transaction mode (as to Neon's pooled endpoint). */
    public PostgresAndModel throughPgBouncer() {
        this.pgBouncer = true;
        return this;
    }

    /** How the FAKE model answers, e.g. {@link FakeModelServer#mayaDemo()} for real tool-calling conversations. */
    public PostgresAndModel responder(Responder responder) {
        this.responder = responder;
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        LocalPostgres.assumeInstalled(pgBouncer);
        postgres = LocalPostgres.start();
        if (pgBouncer) {
            bouncer = LocalPgBouncer.start(postgres);
        }
        model = new FakeModelServer().start(0).latency(modelLatency).responder(responder);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (model != null) {
            model.close();
        }
        if (bouncer != null) {
            bouncer.close();
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

    /** The URL the harness should use for {@code database}: through PgBouncer when enabled, else direct. */
    public String databaseUrl(String database) {
        return bouncer != null ? bouncer.url(database) : postgres.url(database);
    }
}
