package dev.agentharness.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class MigratorTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void applies_every_shipped_migration_once_and_rerunning_is_a_no_op() {
        try (TestDatabase db = TestDatabase.create()) {
            Pool pool = db.pool();
            Migrator migrator = Migrator.fromClasspath();

            List<Integer> first = migrator.migrate(pool, TIMEOUT);
            List<Integer> second = migrator.migrate(pool, TIMEOUT);

            assertEquals(migrator.migrations().stream().map(Migration::version).toList(), first);
            assertEquals(List.of(), second);
            assertEquals(first.size(), count(pool, "SELECT count(*) FROM public.schema_migrations"));
            for (String table : List.of("sessions", "runs", "traces", "artifacts", "audit_log")) {
                assertEquals(1, count(pool, "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public' "
                        + "AND tablename = '" + table + "'"), table);
            }
        }
    }

    @Test
    void an_applied_migration_that_was_edited_fails_loudly() {
        try (TestDatabase db = TestDatabase.create()) {
            Pool pool = db.pool();
            new Migrator(List.of(Migration.of("V1__first.sql", "CREATE TABLE public.example (id int);"))).migrate(pool, TIMEOUT);
            Migrator edited = new Migrator(List.of(
                    Migration.of("V1__first.sql", "CREATE TABLE public.example (id bigint);")));

            MigrationException e = assertThrows(MigrationException.class, () -> edited.migrate(pool, TIMEOUT));
            assertTrue(e.getMessage().contains("V1__first"), e.getMessage());
        }
    }

    @Test
    void a_failing_migration_leaves_nothing_behind() {
        try (TestDatabase db = TestDatabase.create()) {
            Pool pool = db.pool();
            Migrator broken = new Migrator(List.of(Migration.of("V1__broken.sql",
                    "CREATE TABLE public.half (id int); SELECT no_such_function();")));

            assertThrows(RuntimeException.class, () -> broken.migrate(pool, TIMEOUT));

            assertEquals(0, count(pool, "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'half'"));
        }
    }

    @Test
    void later_versions_apply_in_order_after_earlier_ones() {
        try (TestDatabase db = TestDatabase.create()) {
            Pool pool = db.pool();
            Migration v1 = Migration.of("V1__table.sql", "CREATE TABLE public.example (id int);");
            Migration v2 = Migration.of("V2__column.sql", "ALTER TABLE public.example ADD COLUMN name text;");
            new Migrator(List.of(v1)).migrate(pool, TIMEOUT);

            List<Integer> applied = new Migrator(List.of(v2, v1)).migrate(pool, TIMEOUT);

            assertEquals(List.of(2), applied);
            assertEquals(1, count(pool, "SELECT count(*) FROM information_schema.columns "
                    + "WHERE table_name = 'example' AND column_name = 'name'"));
        }
    }

    @Test
    void concurrent_migrators_apply_each_migration_exactly_once() throws Exception {
        try (TestDatabase db = TestDatabase.create()) {
            Migrator migrator = Migrator.fromClasspath();
            Pool a = db.newPool(1);
            Pool b = db.newPool(1);
            CyclicBarrier start = new CyclicBarrier(2);
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                List<Callable<List<Integer>>> replicas = List.of(
                        () -> { start.await(); return migrator.migrate(a, TIMEOUT); },
                        () -> { start.await(); return migrator.migrate(b, TIMEOUT); });
                List<Integer> appliedByBoth = new ArrayList<>();
                for (Future<List<Integer>> result : threads.invokeAll(replicas)) {
                    appliedByBoth.addAll(result.get());
                }

                assertEquals(migrator.migrations().stream().map(Migration::version).toList(), appliedByBoth.stream().sorted().toList());
                assertEquals(migrator.migrations().size(), count(a, "SELECT count(*) FROM public.schema_migrations"));
            } finally {
                threads.shutdownNow();
            }
        }
    }

    @Test
    void the_session_scope_migration_keeps_existing_sessions_and_frees_their_ids_for_other_principals() {
        try (TestDatabase db = TestDatabase.create()) {
            Pool pool = db.pool();
            List<Migration> shipped = Migrator.fromClasspath().migrations();
            new Migrator(shipped.stream().filter(m -> m.version() < 3).toList()).migrate(pool, TIMEOUT);
            // A session and its run as the schema before V3 held them: the id alone was the key.
            Blocking.await(pool.query("INSERT INTO public.sessions (id, principal) VALUES ('shared', 'alice'); "
                    + "INSERT INTO public.runs (id, session_id, principal, agent, model, message, request_json, "
                    + "request_hash, max_turns) VALUES ('run-old', 'shared', 'alice', 'maya', 'm', 'hi', '{}', 'h', 10)")
                    .execute(), TIMEOUT);

            assertTrue(new Migrator(shipped).migrate(pool, TIMEOUT).contains(3));

            SessionStore sessions = new SessionStore(pool);
            assertEquals(List.of("run-old"), sessions.runs("shared", "alice").stream().map(RunRecord::runId).toList());
            SubmitOutcome bobs = new RunSubmissions(pool).submit(new NewRun("run-bob", "shared", "bob", "maya", "m", "hi", "{}",
                    "h", null, 10, null, false, null));
            assertTrue(bobs.created());
            assertEquals(List.of("run-bob"), sessions.runs("shared", "bob").stream().map(RunRecord::runId).toList());
            assertEquals(List.of("run-old"), sessions.runs("shared", "alice").stream().map(RunRecord::runId).toList());
            // A run can only point at a session of its own principal.
            assertThrows(RuntimeException.class, () -> Blocking.await(pool.query("INSERT INTO public.runs (id, session_id, "
                    + "principal, agent, model, message, request_json, request_hash, max_turns) "
                    + "VALUES ('run-x', 'shared', 'carol', 'maya', 'm', 'hi', '{}', 'h', 10)").execute(), TIMEOUT));
        }
    }

    @Test
    void the_index_names_exactly_the_migration_files_in_the_schema_directory() throws IOException {
        Path schema = Path.of("..", "schema");
        List<String> onDisk;
        try (Stream<Path> files = Files.list(schema)) {
            onDisk = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".sql")).sorted().toList();
        }
        List<String> indexed = Migrator.readIndex(getClass().getClassLoader());

        assertEquals(onDisk, indexed.stream().sorted().toList());
        onDisk.forEach(name -> assertTrue(Migration.isMigrationFileName(name), name + " is not V<n>__<name>.sql"));
        List<Integer> versions = Migrator.fromClasspath().migrations().stream().map(Migration::version).toList();
        assertEquals(versions, versions.stream().sorted().toList(), "index must list migrations in version order");
    }

    @Test
    void migration_file_names_must_carry_a_version() {
        assertThrows(IllegalArgumentException.class, () -> Migration.of("init.sql", "SELECT 1"));
        assertEquals(7, Migration.of("V7__add_usage.sql", "SELECT 1").version());
    }

    @Test
    void checksum_ignores_line_endings() {
        assertEquals(Migration.of("V1__a.sql", "SELECT 1;\nSELECT 2;\n").checksum(),
                Migration.of("V1__a.sql", "SELECT 1;\r\nSELECT 2;\r\n").checksum());
    }

    static long count(Pool pool, String sql) {
        Row row = Blocking.await(pool.query(sql).execute(), TIMEOUT).iterator().next();
        return row.getLong(0);
    }
}
