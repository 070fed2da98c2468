package dev.agentharness.runtime.state;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A fresh, empty database per test class on one PostgreSQL 17 server shared by the whole test JVM (starting a server
 * costs seconds; creating a database costs milliseconds).
 */
final class TestDatabase implements AutoCloseable {

    private static EmbeddedPostgres server;
    private static Vertx vertx;

    private final String name;
    private final List<Pool> pools = new ArrayList<>();

    private TestDatabase(String name) {
        this.name = name;
    }

    static synchronized TestDatabase create() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            vertx = Vertx.vertx();
        }
        String name = "t_" + UUID.randomUUID().toString().replace("-", "");
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

    String url() {
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
