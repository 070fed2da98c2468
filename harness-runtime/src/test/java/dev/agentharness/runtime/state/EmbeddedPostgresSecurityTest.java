package dev.agentharness.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.RunStatus;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, finding 1: the embedded PostgreSQL is out of a sandbox's reach. No TCP port, a 0700 socket directory,
 * scram-sha-256 with a random 0600 password, and the harness is no superuser. Data directories of earlier versions
 * (trust, TCP, tables owned by {@code postgres}) still boot with their rows.
 */
class EmbeddedPostgresSecurityTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static Vertx vertx;
    private static Path dataDir;
    private static EmbeddedPostgresServer server;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        try {
            // Short enough for the socket to live under the data directory (deep checkouts fall back to /tmp).
            dataDir = Files.createTempDirectory(Path.of("/tmp"), "harness-es-");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        server = EmbeddedPostgresServer.start(dataDir.resolve("postgres"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        org.apache.commons.io.FileUtils.deleteQuietly(dataDir.toFile());
        Blocking.awaitQuietly(vertx.close(), Duration.ofSeconds(10));
    }

    @Test
    void listens_on_no_tcp_port() throws IOException {
        // postmaster.pid: line 4 is the port, line 6 the first listen address ("" when there is none).
        List<String> pid = Files.readAllLines(server.dataDirectory().resolve("postmaster.pid"));
        int port = Integer.parseInt(pid.get(3).strip());
        assertEquals("", pid.get(5).strip(), "no TCP listen address");
        for (String host : List.of("127.0.0.1", "localhost")) {
            try (Socket socket = new Socket()) {
                assertThrows(IOException.class, () -> socket.connect(new InetSocketAddress(host, port), 2000),
                        "TCP " + host + ":" + port + " must be closed");
            }
        }
        assertEquals("", queryOne(server.url().connectOptions(), "SHOW listen_addresses"));
        assertEquals("0700", queryOne(server.url().connectOptions(), "SHOW unix_socket_permissions"));
    }

    @Test
    void socket_directory_and_password_files_are_private() throws IOException {
        assertTrue(server.socketDirectory().startsWith(server.dataDirectory()), "socket under the data directory");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(server.socketDirectory())));
        for (String file : List.of(EmbeddedPostgresServer.HARNESS_PASSWORD_FILE, EmbeddedPostgresServer.SUPERUSER_PASSWORD_FILE)) {
            Path path = server.dataDirectory().resolve(file);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)), file);
            assertTrue(Files.readString(path).strip().length() >= 32, file + " holds a long random password");
        }
        assertEquals("local   all       all   scram-sha-256", Files.readAllLines(server.dataDirectory().resolve("pg_hba.conf"))
                .stream().filter(l -> !l.startsWith("#")).filter(l -> !l.isBlank()).reduce((a, b) -> a + "|" + b).orElse(""));
    }

    @Test
    void the_socket_refuses_logins_without_the_password() throws Exception {
        PgConnectOptions good = server.url().connectOptions();
        for (String user : List.of("harness", "postgres")) {
            PgConnectOptions bad = new PgConnectOptions(good).setUser(user).setPassword("wrong-password");
            RuntimeException refused = assertThrows(RuntimeException.class, () -> queryOne(bad, "SELECT 1"), user);
            assertTrue(String.valueOf(rootOf(refused).getMessage()).contains("password authentication failed"),
                    rootOf(refused).toString());
        }
        // Vert.x will not even try an empty password; libpq's psql does: no password, no login, for either role.
        Optional<Path> psql = dev.agentharness.runtime.testing.LocalPostgres.binaries().map(bin -> bin.resolve("psql"));
        if (psql.isPresent()) {
            for (String user : List.of("harness", "postgres")) {
                ProcessBuilder builder = new ProcessBuilder(psql.get().toString(), "-X", "-w", "-h",
                        server.socketDirectory().toString(), "-p", "5432", "-U", user, "-d", "postgres", "-c", "SELECT 1")
                        .redirectErrorStream(true);
                builder.environment().remove("PGPASSWORD");
                builder.environment().put("PGPASSFILE", "/dev/null");
                Process process = builder.start();
                String output = new String(process.getInputStream().readAllBytes());
                assertTrue(process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
                assertTrue(process.exitValue() != 0 && output.contains("no password supplied"), user + ": " + output);
            }
        }
        String superuserPassword = read(server.dataDirectory().resolve(EmbeddedPostgresServer.SUPERUSER_PASSWORD_FILE));
        assertEquals("on", queryOne(new PgConnectOptions(good).setUser("postgres").setPassword(superuserPassword),
                "SELECT current_setting('is_superuser')"), "the superuser has its own random password");
    }

    @Test
    void the_harness_role_is_no_superuser_and_cannot_run_programs_or_read_server_files() {
        PgConnectOptions harness = server.url().connectOptions();
        assertEquals("harness", queryOne(harness, "SELECT current_user"));
        assertEquals("false", queryOne(harness, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user"));
        assertEquals("0", queryOne(harness, "SELECT count(*)::text FROM pg_auth_members WHERE member = current_user::regrole"));
        for (String sql : List.of("COPY (SELECT 1) TO PROGRAM 'true'", "SELECT pg_read_file('/etc/passwd')",
                "COPY (SELECT 1) TO '/tmp/harness-copy-test'", "CREATE ROLE intruder SUPERUSER")) {
            RuntimeException refused = assertThrows(RuntimeException.class, () -> queryOne(harness, sql), sql);
            Throwable root = rootOf(refused);
            assertTrue(root instanceof PgException pg && "42501".equals(pg.getSqlState()),
                    sql + " must fail with insufficient_privilege, got " + root);
        }
        assertEquals("harness", queryOne(harness, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'postgres'"));
    }

    @Test
    void a_data_directory_from_an_earlier_version_boots_with_its_rows_and_is_locked_down() throws IOException {
        Path oldDataDir = Path.of("target", "test-data", "old-layout-" + UUID.randomUUID()).toAbsolutePath();
        NewRun run = new NewRun("run-old", "s-old", "alice", "maya", "gpt-5.4-mini", "hi", "{}", "h", "k-old", 10, 60,
                false, "trace-old");
        // The layout earlier versions wrote: zonky's initdb (trust), TCP, the schema created by the superuser.
        try (EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(oldDataDir.resolve("postgres"))
                .setCleanDataDirectory(false).setRegisterShutdownHook(false).start()) {
            PgConnectOptions superuser = DatabaseUrl.parse("postgresql://postgres@localhost:" + old.getPort() + "/postgres")
                    .connectOptions();
            Pool pool = pool(superuser);
            try {
                Migrator.fromClasspath().migrate(pool, WAIT);
                assertTrue(new RunSubmissions(pool).submit(run).created());
                assertEquals("postgres", queryOne(superuser, "SELECT tableowner FROM pg_tables WHERE tablename = 'runs'"));
            } finally {
                Blocking.awaitQuietly(pool.close(), WAIT);
            }
        }

        Database database = new Database(vertx, new DatabaseSettings(Optional.empty(), Optional.empty(), 2, oldDataDir,
                WAIT), Migrator.fromClasspath());
        database.start();
        try {
            assertTrue(database.ready());
            RunSubmissions submissions = new RunSubmissions(database.pool());
            assertEquals(RunStatus.QUEUED, new RunReads(database.pool()).find("run-old", "alice").orElseThrow().status(), "the old run is still there");
            assertFalse(submissions.submit(run).created(), "its idempotency key too");
            assertTrue(submissions.submit(new NewRun("run-new", "s-new", "alice", "maya", "gpt-5.4-mini", "hi", "{}", "h", "k-new",
                    10, 60, false, "trace-new")).created(), "the owner role can write the migrated tables");
            assertEquals("0", Blocking.await(database.pool().query(
                    "SELECT count(*)::text AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                            + "AND relowner <> 'harness'::regrole").execute(), WAIT).iterator().next().getString("n"),
                    "every object in public belongs to the owner role");
            String pg_hba = Files.readString(oldDataDir.resolve("postgres").resolve("pg_hba.conf"));
            assertFalse(pg_hba.contains("trust"), pg_hba);
            assertFalse(pg_hba.contains("host"), pg_hba);
        } finally {
            database.stop();
        }

        // And a second start (now in the new layout) is as good as the first.
        Database again = new Database(vertx, new DatabaseSettings(Optional.empty(), Optional.empty(), 2, oldDataDir, WAIT),
                Migrator.fromClasspath());
        again.start();
        try {
            assertTrue(new RunReads(again.pool()).find("run-new", "alice").isPresent());
        } finally {
            again.stop();
        }
    }

    @Test
    void a_data_directory_too_deep_for_a_socket_path_gets_a_private_socket_directory_under_tmp() throws IOException {
        Path deep = Path.of("target", "test-data", "deep-" + UUID.randomUUID(), "a".repeat(60), "b".repeat(40))
                .toAbsolutePath();
        assertTrue(EmbeddedPostgresServer.socketPathLength(deep.resolve("postgres").resolve("socket"))
                > EmbeddedPostgresServer.MAX_SOCKET_PATH);
        EmbeddedPostgresServer deepServer = EmbeddedPostgresServer.start(deep.resolve("postgres"));
        Path socketDirectory = deepServer.socketDirectory();
        try {
            assertTrue(socketDirectory.startsWith("/tmp"), socketDirectory.toString());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socketDirectory)));
            assertEquals("harness", queryOne(deepServer.url().connectOptions(), "SELECT current_user"));
        } finally {
            deepServer.close();
        }
        assertFalse(Files.exists(socketDirectory), "the temporary socket directory is removed on close");
    }

    private static String queryOne(PgConnectOptions options, String sql) {
        Pool pool = pool(options);
        try {
            Row row = Blocking.await(pool.query(sql).execute(), WAIT).iterator().next();
            Object value = row.getValue(0);
            return value == null ? null : value.toString();
        } finally {
            Blocking.awaitQuietly(pool.close(), WAIT);
        }
    }

    private static Pool pool(PgConnectOptions options) {
        return PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(options).using(vertx).build();
    }

    private static Throwable rootOf(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
