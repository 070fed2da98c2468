package dev.agentharness.runtime.cli;

import dev.agentharness.runtime.state.DatabaseUrl;
import dev.agentharness.runtime.state.MigrationException;
import dev.agentharness.runtime.state.Migrator;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar quarkus-run.jar migrate}: applies {@code schema/} to {@code DATABASE_DIRECT_URL} (or
 * {@code DATABASE_URL}) and exits. Exit codes: 0 up to date, 1 a migration failed or was edited after it was
 * applied, 2 configuration error, 3 database unreachable within {@code MIGRATE_WAIT_SECONDS} (default 60; an init
 * container usually starts before the database answers).
 */
public final class MigrateCommand {

    static final int OK = 0;
    static final int MIGRATION_FAILED = 1;
    static final int BAD_CONFIGURATION = 2;
    static final int UNREACHABLE = 3;

    private MigrateCommand() {
    }

    public static int run(Map<String, String> env, PrintStream out, PrintStream err) {
        String raw = nonBlank(env.get("DATABASE_DIRECT_URL"));
        if (raw == null) {
            raw = nonBlank(env.get("DATABASE_URL"));
            if (raw == null) {
                err.println("migrate: set DATABASE_DIRECT_URL (Neon's direct endpoint) or DATABASE_URL");
                return BAD_CONFIGURATION;
            }
            err.println("migrate: DATABASE_DIRECT_URL is not set, migrating through DATABASE_URL; with Neon use the "
                    + "direct (non-pooler) endpoint");
        }
        DatabaseUrl url;
        Duration wait;
        try {
            url = DatabaseUrl.parse(raw, DatabaseUrl.tlsVerification(env.get("DATABASE_TLS_VERIFY")));
            wait = Duration.ofSeconds(Long.parseLong(env.getOrDefault("MIGRATE_WAIT_SECONDS", "60").strip()));
        } catch (IllegalArgumentException e) {
            err.println("migrate: " + e.getMessage()); // DatabaseUrl's messages never contain the password
            return BAD_CONFIGURATION;
        }
        out.println("migrate: applying schema migrations to " + url.redacted());
        Vertx vertx = Vertx.vertx();
        try {
            return migrate(vertx, url, wait, out, err);
        } finally {
            vertx.close();
        }
    }

    private static int migrate(Vertx vertx, DatabaseUrl url, Duration wait, PrintStream out, PrintStream err) {
        Migrator migrator = Migrator.fromClasspath();
        Instant deadline = Instant.now().plus(wait);
        Duration backoff = Duration.ofMillis(500);
        while (true) {
            Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setName("harness-migrate"))
                    .connectingTo(url.connectOptions()).using(vertx).build();
            try {
                List<Integer> applied = migrator.migrate(pool, Duration.ofMinutes(2));
                out.println(applied.isEmpty() ? "migrate: schema is up to date"
                        : "migrate: applied versions " + applied + "; schema is up to date");
                return OK;
            } catch (MigrationException e) {
                err.println("migrate: FAILED: " + e.getMessage());
                return MIGRATION_FAILED;
            } catch (RuntimeException e) {
                if (isServerError(e)) {
                    // The server answered with an error (a broken script, missing privilege): waiting will not help.
                    err.println("migrate: FAILED: " + e.getMessage());
                    return MIGRATION_FAILED;
                }
                if (Instant.now().plus(backoff).isAfter(deadline)) {
                    err.println("migrate: database " + url.redacted() + " unreachable: " + e.getMessage());
                    return UNREACHABLE;
                }
                err.println("migrate: database not reachable yet (" + e.getMessage() + "), retrying");
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5)
                        : backoff.multipliedBy(2);
            } finally {
                pool.close();
            }
        }
    }

    private static boolean isServerError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.vertx.pgclient.PgException pg) {
                // 28xxx: authentication; 57P03: starting up; 08xxx: connection — those may clear up by themselves.
                String state = pg.getSqlState();
                return state != null && !state.startsWith("08") && !state.startsWith("57P") && !state.startsWith("53");
            }
        }
        return false;
    }

    private static String nonBlank(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
