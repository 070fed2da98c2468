package dev.agentharness.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.RunStatus;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DatabaseTest {

    private static Vertx vertx;

    @BeforeAll
    static void vertx() {
        // As in the service (quarkus.vertx.prefer-native-transport): the embedded database is reached over a Unix socket.
        vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    }

    @AfterAll
    static void closeVertx() {
        Blocking.awaitQuietly(vertx.close(), Duration.ofSeconds(10));
    }

    @Test
    void embedded_database_keeps_state_across_a_restart_on_the_same_data_directory() {
        Path dataDir = Path.of("target", "test-data", "restart-" + UUID.randomUUID());
        NewRun run = new NewRun("run-restart", "s-restart", "alice", "maya", "gpt-5.4-mini", "hi", "{}", "h", "k-1",
                10, 60, false, "trace-restart");

        Database first = embedded(dataDir);
        try {
            assertFalse(first.external());
            assertTrue(first.ready());
            assertTrue(first.ping(Duration.ofSeconds(5)));
            new RunSubmissions(first.pool()).submit(run);
        } finally {
            first.stop();
        }

        Database second = embedded(dataDir);
        try {
            assertTrue(second.ready(), "second start on an initialised directory must work");
            assertEquals(RunStatus.QUEUED, new RunReads(second.pool()).find("run-restart", "alice").orElseThrow().status());
            assertFalse(new RunSubmissions(second.pool()).submit(run).created(), "the idempotency key survived the restart too");
        } finally {
            second.stop();
        }
    }

    @Test
    void an_unreachable_external_database_does_not_stop_startup_and_is_picked_up_when_it_appears() throws IOException {
        int port = freePort();
        Database database = new Database(vertx, new DatabaseSettings(
                Optional.of("postgresql://postgres:not-needed@localhost:" + port + "/postgres?connect_timeout=2"),
                Optional.empty(), 2, Path.of("target", "unused"), Duration.ofSeconds(5)), Migrator.fromClasspath());
        EmbeddedPostgres late = null;
        try {
            long started = System.nanoTime();
            database.start();
            assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(2)) < 0,
                    "boot must not wait for an external database");

            assertTrue(database.external());
            assertFalse(database.awaitReady(Duration.ofMillis(500)));
            assertFalse(database.ping(Duration.ofSeconds(1)));

            late = EmbeddedPostgres.builder().setPort(port).start();
            assertTrue(database.awaitReady(Duration.ofSeconds(30)));
            assertTrue(database.ready());
            assertTrue(database.ping(Duration.ofSeconds(5)));
        } finally {
            database.stop();
            if (late != null) {
                late.close();
            }
        }
    }

    @Test
    void ping_returns_false_within_its_timeout_when_the_server_never_answers() throws IOException {
        // A socket that accepts connections but never speaks the protocol: the worst case for a health check.
        try (ServerSocket silent = new ServerSocket(0)) {
            Database database = new Database(vertx, new DatabaseSettings(
                    Optional.of("postgresql://u:p@localhost:" + silent.getLocalPort() + "/d?connect_timeout=1"),
                    Optional.empty(), 1, Path.of("target", "unused"), Duration.ofSeconds(5)), Migrator.fromClasspath());
            try {
                database.start();

                long started = System.nanoTime();
                boolean answered = database.ping(Duration.ofMillis(500));
                Duration took = Duration.ofNanos(System.nanoTime() - started);

                assertFalse(answered);
                assertFalse(database.ready());
                assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "ping took " + took);
            } finally {
                database.stop();
            }
        }
    }

    private static Database embedded(Path dataDir) {
        Database database = new Database(vertx, new DatabaseSettings(Optional.empty(), Optional.empty(), 2, dataDir,
                Duration.ofSeconds(30)), Migrator.fromClasspath());
        database.start();
        return database;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
