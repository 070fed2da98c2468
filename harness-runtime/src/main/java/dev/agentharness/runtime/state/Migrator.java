package dev.agentharness.runtime.state;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Applies the {@code schema/V<n>__<name>.sql} scripts in version order and records them in
 * {@code public.schema_migrations}.
 *
 * <p>Each script runs in its own transaction that first takes {@code pg_advisory_xact_lock}, so replicas starting
 * together apply each script exactly once. Only transaction-scoped state is used (no session locks, no SET outside a
 * transaction): this works through PgBouncer in transaction mode.
 */
public final class Migrator {

    private static final Logger LOG = Logger.getLogger(Migrator.class);
    /** Arbitrary but fixed: "agentharness" folded into a bigint. Every replica must use the same key. */
    static final long LOCK_KEY = 0x4167656e74484e53L;
    static final String INDEX_RESOURCE = "schema/migrations.txt";

    private static final String CREATE_HISTORY = """
            CREATE TABLE IF NOT EXISTS public.schema_migrations (
                version     integer     PRIMARY KEY,
                name        text        NOT NULL,
                checksum    text        NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )""";

    private final List<Migration> migrations;

    public Migrator(List<Migration> migrations) {
        List<Migration> sorted = new ArrayList<>(migrations);
        sorted.sort(Comparator.comparingInt(Migration::version));
        Set<Integer> seen = new HashSet<>();
        for (Migration m : sorted) {
            if (!seen.add(m.version())) {
                throw new IllegalArgumentException("two migrations with version " + m.version());
            }
        }
        this.migrations = List.copyOf(sorted);
    }

    /** The migrations listed in {@code schema/migrations.txt} on the classpath (the jar ships them under schema/). */
    public static Migrator fromClasspath() {
        ClassLoader loader = Migrator.class.getClassLoader();
        List<Migration> migrations = new ArrayList<>();
        for (String fileName : readIndex(loader)) {
            migrations.add(Migration.of(fileName, readResource(loader, "schema/" + fileName)));
        }
        return new Migrator(migrations);
    }

    public List<Migration> migrations() {
        return migrations;
    }

    /**
     * Applies every pending migration. Returns the versions this call applied (empty when up to date).
     *
     * @throws MigrationException when an applied script's checksum differs from the shipped one
     */
    public List<Integer> migrate(Pool pool, Duration timeoutPerMigration) {
        List<Integer> applied = new ArrayList<>();
        for (Migration migration : migrations) {
            Boolean ran = Blocking.await(pool.withTransaction(conn -> apply(conn, migration)), timeoutPerMigration);
            if (ran) {
                LOG.infof("Applied migration V%d__%s", migration.version(), migration.name());
                applied.add(migration.version());
            }
        }
        return applied;
    }

    private static Future<Boolean> apply(SqlConnection conn, Migration migration) {
        return conn.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(LOCK_KEY))
                // Checked first (under the lock) so re-runs do not log "already exists, skipping" notices.
                .compose(locked -> conn.query("SELECT to_regclass('public.schema_migrations') IS NOT NULL AS present").execute())
                .compose(history -> history.iterator().next().getBoolean("present")
                        ? Future.succeededFuture()
                        : conn.query(CREATE_HISTORY).execute())
                .compose(created -> conn.preparedQuery("SELECT checksum FROM public.schema_migrations WHERE version = $1")
                        .execute(Tuple.of(migration.version())))
                .compose(existing -> {
                    if (existing.size() > 0) {
                        return alreadyApplied(existing, migration);
                    }
                    // Simple-query protocol: one script may hold many statements.
                    return conn.query(migration.sql()).execute()
                            .compose(done -> conn.preparedQuery(
                                            "INSERT INTO public.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)")
                                    .execute(Tuple.of(migration.version(), migration.name(), migration.checksum())))
                            .map(true);
                });
    }

    private static Future<Boolean> alreadyApplied(RowSet<Row> existing, Migration migration) {
        String recorded = existing.iterator().next().getString("checksum");
        if (!recorded.equals(migration.checksum())) {
            return Future.failedFuture(new MigrationException("migration V" + migration.version() + "__" + migration.name()
                    + " was changed after it was applied (checksum " + recorded + " in the database, "
                    + migration.checksum() + " shipped); add a new migration instead of editing an applied one"));
        }
        return Future.succeededFuture(false);
    }

    static List<String> readIndex(ClassLoader loader) {
        List<String> names = new ArrayList<>();
        for (String line : readResource(loader, INDEX_RESOURCE).split("\n")) {
            String trimmed = line.strip();
            if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                names.add(trimmed);
            }
        }
        return names;
    }

    private static String readResource(ClassLoader loader, String path) {
        try (InputStream in = loader.getResourceAsStream(path)) {
            if (in == null) {
                throw new MigrationException("missing classpath resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
