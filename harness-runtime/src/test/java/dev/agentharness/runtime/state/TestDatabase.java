package dev.agentharness.runtime.state;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import dev.agentharness.runtime.testing.LocalPgBouncer;
import dev.agentharness.runtime.testing.LocalPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A fresh, empty database per test class on one PostgreSQL server shared by the whole test JVM (starting a server
 * costs seconds; creating a database costs milliseconds).
 *
 * <p>System property {@code harness.test.database} picks the route: {@code direct} (default: embedded PostgreSQL 17)
 * or {@code pgbouncer} (a private Debian PostgreSQL behind PgBouncer in transaction mode, like Neon's pooled
 * endpoint). The build runs the state tests once each way.
 */
final class TestDatabase implements AutoCloseable {

    private static final boolean THROUGH_PGBOUNCER = "pgbouncer".equals(System.getProperty("harness.test.database"));

    private static EmbeddedPostgres server;
    private static LocalPostgres debianServer;
    private static LocalPgBouncer bouncer;
    private static Vertx vertx;

    private final String name;
    private final List<Pool> pools = new ArrayList<>();

    private TestDatabase(String name) {
        this.name = name;
    }

    static synchronized TestDatabase create() {
        if (vertx == null) {
            if (THROUGH_PGBOUNCER) {
                debianServer = LocalPostgres.start();
                bouncer = LocalPgBouncer.start(debianServer);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    bouncer.close();
                    debianServer.close();
                }));
            } else {
                try {
                    server = EmbeddedPostgres.builder().start();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            vertx = Vertx.vertx();
        }
        String name = "t_" + UUID.randomUUID().toString().replace("-", "");
        if (THROUGH_PGBOUNCER) {
            // CREATE DATABASE is the one statement that goes around the pooler (as with Neon, where it is an API call).
            debianServer.createDatabase(name);
            return new TestDatabase(name);
        }
        Pool admin = pool(optionsFor("postgres"), 1);
        try {
            Blocking.await(admin.query("CREATE DATABASE " + name).execute(), Duration.ofSeconds(30));
        } finally {
            Blocking.awaitQuietly(admin.close(), Duration.ofSeconds(5));
        }
        return new TestDatabase(name);
    }

    /** A database with every shipped migration applied. */
    static TestDatabase migrated() {
        TestDatabase db = create();
        Migrator.fromClasspath().migrate(db.pool(), Duration.ofSeconds(60));
        return db;
    }

    static Vertx vertx() {
        return vertx;
    }

    /** The URL the code under test gets: the pooled endpoint when running through PgBouncer. */
    String url() {
        if (THROUGH_PGBOUNCER) {
            return bouncer.url(name);
        }
        return "postgresql://postgres@localhost:" + server.getPort() + "/" + name;
    }

    Pool pool() {
        return newPool(10);
    }

    Pool newPool(int size) {
        Pool pool = pool(DatabaseUrl.parse(url()).connectOptions(), size);
        pools.add(pool);
        return pool;
    }

    private static PgConnectOptions optionsFor(String database) {
        return DatabaseUrl.parse("postgresql://postgres@localhost:" + server.getPort() + "/" + database).connectOptions();
    }

    private static Pool pool(PgConnectOptions options, int size) {
        return PgBuilder.pool().with(new PoolOptions().setMaxSize(size).setMaxWaitQueueSize(-1))
                .connectingTo(options).using(vertx).build();
    }

    @Override
    public void close() {
        pools.forEach(p -> Blocking.awaitQuietly(p.close(), Duration.ofSeconds(5)));
    }
}
