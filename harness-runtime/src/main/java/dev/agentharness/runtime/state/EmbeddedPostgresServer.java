package dev.agentharness.runtime.state;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * The embedded default database: PostgreSQL 17 (zonky binaries) in a persistent data directory, so state survives a
 * restart. A new free port is chosen on every start.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgresServer.class);

    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDirectory) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
    }

    /** Starts PostgreSQL on {@code dataDirectory}, running initdb only the first time. */
    public static EmbeddedPostgresServer start(Path dataDirectory) {
        Path dir = dataDirectory.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
            checkUnprivilegedServerCanReach(dir);
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    // The whole point: keep the data across restarts.
                    .setCleanDataDirectory(false)
                    // Shutdown is ours (ShutdownEvent / close()); a JVM hook would race it.
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "100")
                    .start();
            LOG.infof("Embedded PostgreSQL started on port %d with data directory %s", postgres.getPort(), dir);
            return new EmbeddedPostgresServer(postgres, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL in " + dir, e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** Connection URL for the superuser on the local server (trust authentication, no password). */
    public DatabaseUrl url() {
        return DatabaseUrl.parse("postgresql://postgres@localhost:" + port() + "/postgres");
    }

    @Override
    public void close() {
        try {
            postgres.close();
            LOG.info("Embedded PostgreSQL stopped");
        } catch (IOException e) {
            LOG.warn("Embedded PostgreSQL did not stop cleanly", e);
        }
    }

    /**
     * When the harness runs as root, the zonky binaries drop to user {@code nobody}, which then owns the data
     * directory and must be able to traverse every parent directory. We do not loosen permissions of directories we
     * did not create (that would be a surprise side effect); we say precisely what is wrong instead.
     */
    private static void checkUnprivilegedServerCanReach(Path dir) {
        if (!"root".equals(System.getProperty("user.name"))) {
            return;
        }
        for (Path p = dir.getParent(); p != null; p = p.getParent()) {
            try {
                if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    LOG.warnf("Embedded PostgreSQL runs as user 'nobody' when the harness runs as root, but %s is not "
                            + "traversable by other users; set HARNESS_DATA_DIR to a directory under a world-traversable "
                            + "path (e.g. /tmp or /var/lib/agent-harness) if startup fails", p);
                    return;
                }
            } catch (UnsupportedOperationException | IOException e) {
                return;
            }
        }
    }
}
