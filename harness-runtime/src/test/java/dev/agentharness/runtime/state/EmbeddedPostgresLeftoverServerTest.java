package dev.agentharness.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 6: a PostgreSQL server that a killed harness left running on its data directory (daemonized by
 * {@code pg_ctl}, as earlier versions started it, or still shutting down) holds {@code postmaster.pid}; the next
 * harness on that directory stops it instead of failing with "lock file already exists".
 */
class EmbeddedPostgresLeftoverServerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private Vertx vertx;
    private Path dataDir;

    @BeforeEach
    void setUp() throws IOException {
        vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        dataDir = Files.createTempDirectory(Path.of("/tmp"), "harness-lo-");
    }

    @AfterEach
    void tearDown() {
        FileUtils.deleteQuietly(dataDir.toFile());
        Blocking.awaitQuietly(vertx.close(), Duration.ofSeconds(10));
    }

    @Test
    void a_server_left_running_on_the_data_directory_is_stopped_and_ours_starts() throws IOException {
        Path dir = dataDir.resolve("postgres");
        EmbeddedPostgresServer.start(dir).close();
        long leftover = startLeftoverServer(dir);
        assertTrue(ProcessHandle.of(leftover).map(ProcessHandle::isAlive).orElse(false), "the leftover server runs");

        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dir)) {
            long ours = Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).get(0).strip());
            assertNotEquals(leftover, ours);
            assertFalse(running(leftover), "the leftover server was stopped");
            assertEquals(1, selectOne(server));
        }
    }

    /** What a harness before this change left behind when killed: a daemonized pg_ctl-started postmaster. */
    private static long startLeftoverServer(Path dir) throws IOException {
        EmbeddedPostgresBinaries binaries = EmbeddedPostgresBinaries.unpack();
        // -l: the server writes to a file, so pg_ctl's own output pipe closes when it returns.
        binaries.run("pg_ctl", List.of("start", "-D", dir.toString(), "-w", "-l", dir.resolve("leftover.log").toString(),
                "-o", "-c listen_addresses='' -c unix_socket_directories='" + dir.resolve("socket") + "'"), null, WAIT);
        return Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).get(0).strip());
    }

    private int selectOne(EmbeddedPostgresServer server) {
        Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(server.url().connectOptions())
                .using(vertx).build();
        try {
            return Blocking.await(pool.query("SELECT 1").execute(), WAIT).iterator().next().getInteger(0);
        } finally {
            Blocking.awaitQuietly(pool.close(), WAIT);
        }
    }

    /** Alive and not a zombie (a daemonized orphan is reaped by whatever init the machine has, maybe never). */
    private static boolean running(long pid) throws IOException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (!Files.exists(stat)) {
            return false;
        }
        String text = Files.readString(stat);
        char state = text.substring(text.lastIndexOf(')') + 2).charAt(0);
        return state != 'Z' && state != 'X';
    }
}
