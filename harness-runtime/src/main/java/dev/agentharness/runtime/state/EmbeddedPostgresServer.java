package dev.agentharness.runtime.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.io.FileUtils;
import org.jboss.logging.Logger;

/**
 * The embedded default database: PostgreSQL 17 (zonky's binaries) in a persistent data directory, so state survives a
 * restart.
 *
 * <p>Nothing a sandbox could reach can talk to it: it listens on no TCP port ({@code listen_addresses=''}), only on a
 * Unix socket in a 0700 directory ({@code <data>/socket}, or a fresh 0700 directory under /tmp when that path is too
 * long for a socket). {@code pg_hba.conf} allows nothing but {@code scram-sha-256} over that socket. The harness logs
 * in as {@value #OWNER_ROLE}, which owns the database's objects but is no superuser (no {@code COPY … PROGRAM}, no
 * server file access); the superuser {@code postgres} has a random password too. Both passwords are generated once
 * and kept in 0600 files in the data directory.
 *
 * <p>Roles, passwords and ownership are set by {@link EmbeddedPostgresBootstrap} in single-user mode before the server
 * starts — no network at all — which also upgrades a data directory of earlier versions (trust, TCP, objects owned by
 * {@code postgres}).
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgresServer.class);
    static final String OWNER_ROLE = "harness";
    static final String DATABASE = "postgres";
    /** Only names the socket file ({@code .s.PGSQL.5432}) in a private directory: no port is opened. */
    static final int SOCKET_PORT = 5432;
    /** sun_path holds 108 bytes including the terminating NUL. */
    static final int MAX_SOCKET_PATH = 107;
    static final String HARNESS_PASSWORD_FILE = "harness-password";
    static final String SUPERUSER_PASSWORD_FILE = "superuser-password";
    static final String SOCKET_DIRECTORY = "socket";
    private static final String LOCK_FILE = "epg-lock"; // zonky's name: data directories of earlier versions have it
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final Map<String, String> SERVER_SETTINGS = Map.of(
            "listen_addresses", "",
            "unix_socket_permissions", "0700",
            "max_connections", "100",
            "timezone", "UTC",
            "synchronous_commit", "off");

    private final EmbeddedPostgresBinaries binaries;
    private final Path dataDirectory;
    private final Path socketDirectory;
    private final boolean temporarySocketDirectory;
    private final String password;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private EmbeddedPostgresServer(EmbeddedPostgresBinaries binaries, Path dataDirectory, Path socketDirectory,
            boolean temporarySocketDirectory, String password, FileChannel lockChannel, FileLock lock) {
        this.binaries = binaries;
        this.dataDirectory = dataDirectory;
        this.socketDirectory = socketDirectory;
        this.temporarySocketDirectory = temporarySocketDirectory;
        this.password = password;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Starts PostgreSQL on {@code dataDirectory}, running initdb only the first time. */
    public static EmbeddedPostgresServer start(Path dataDirectory) {
        Path dir = dataDirectory.toAbsolutePath().normalize();
        EmbeddedPostgresBinaries binaries = EmbeddedPostgresBinaries.unpack();
        FileChannel lockChannel = null;
        try {
            Files.createDirectories(dir);
            if (!Files.exists(dir.resolve("PG_VERSION"))) {
                // Trust is initdb's bootstrap default only: pg_hba.conf is replaced before the server ever starts.
                binaries.run("initdb", List.of("-A", "trust", "-U", "postgres", "-E", "UTF-8", "-D", dir.toString()),
                        null, STARTUP_WAIT);
                LOG.infof("Initialised a new embedded PostgreSQL data directory %s", dir);
            }
            lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = lockChannel.tryLock();
            if (lock == null) {
                throw new IllegalStateException("the embedded database in " + dir + " is in use by another process");
            }
            stopLeftoverServer(binaries, dir);
            String harnessPassword = EmbeddedPostgresBootstrap.password(dir.resolve(HARNESS_PASSWORD_FILE));
            String superuserPassword = EmbeddedPostgresBootstrap.password(dir.resolve(SUPERUSER_PASSWORD_FILE));
            Files.writeString(dir.resolve("pg_hba.conf"), EmbeddedPostgresBootstrap.PG_HBA, StandardCharsets.UTF_8);
            new EmbeddedPostgresBootstrap(binaries, dir).apply(superuserPassword, harnessPassword);

            Path socketDirectory = dir.resolve(SOCKET_DIRECTORY);
            boolean temporary = socketPathLength(socketDirectory) > MAX_SOCKET_PATH || socketDirectory.toString().contains("'");
            if (temporary) {
                socketDirectory = Files.createTempDirectory(Path.of("/tmp"), "harness-pg-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                LOG.infof("The data directory path is too long for a Unix socket (max %d bytes); the embedded "
                        + "PostgreSQL socket is in %s instead", MAX_SOCKET_PATH, socketDirectory);
            } else {
                Files.createDirectories(socketDirectory);
            }
            Files.setPosixFilePermissions(socketDirectory, PosixFilePermissions.fromString("rwx------"));

            binaries.startServer(startArguments(dir, socketDirectory), STARTUP_WAIT);
            LOG.infof("Embedded PostgreSQL started on Unix socket %s (no TCP port) with data directory %s",
                    socketDirectory, dir);
            return new EmbeddedPostgresServer(binaries, dir, socketDirectory, temporary, harnessPassword, lockChannel, lock);
        } catch (IOException e) {
            closeQuietly(lockChannel);
            throw new UncheckedIOException("cannot start embedded PostgreSQL in " + dir, e);
        } catch (RuntimeException e) {
            closeQuietly(lockChannel);
            throw e;
        }
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    public Path socketDirectory() {
        return socketDirectory;
    }

    /** Connection to the local server as the owner role, over the Unix socket. */
    public DatabaseUrl url() {
        return DatabaseUrl.unixSocket(socketDirectory, SOCKET_PORT, OWNER_ROLE, password, DATABASE);
    }

    @Override
    public void close() {
        try {
            binaries.run("pg_ctl", List.of("stop", "-D", dataDirectory.toString(), "-m", "fast", "-t", "30", "-w"), null,
                    Duration.ofSeconds(40));
            LOG.info("Embedded PostgreSQL stopped");
        } catch (RuntimeException e) {
            LOG.warnf("Embedded PostgreSQL did not stop cleanly: %s", e.getMessage());
        }
        if (temporarySocketDirectory) {
            FileUtils.deleteQuietly(socketDirectory.toFile());
        }
        try {
            lock.release();
        } catch (IOException e) {
            LOG.debugf("releasing the data directory lock: %s", e.getMessage());
        }
        closeQuietly(lockChannel);
    }

    static int socketPathLength(Path socketDirectory) {
        return (socketDirectory + "/.s.PGSQL." + SOCKET_PORT).getBytes(StandardCharsets.UTF_8).length;
    }

    private static List<String> startArguments(Path dir, Path socketDirectory) {
        // pg_ctl hands -o to a shell: every value is single-quoted.
        List<String> options = new ArrayList<>(List.of("-F", "-p", Integer.toString(SOCKET_PORT)));
        SERVER_SETTINGS.forEach((name, value) -> options.add("-c " + shellQuote(name + "=" + value)));
        options.add("-c " + shellQuote("unix_socket_directories=" + socketDirectory));
        return List.of("start", "-D", dir.toString(), "-w", "-t", Long.toString(STARTUP_WAIT.toSeconds()),
                "-o", String.join(" ", options));
    }

    private static String shellQuote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }

    /** A server of a harness that was killed outright still runs on this directory (we hold its lock now). */
    private static void stopLeftoverServer(EmbeddedPostgresBinaries binaries, Path dir) {
        if (!Files.exists(dir.resolve("postmaster.pid"))) {
            return;
        }
        try {
            binaries.run("pg_ctl", List.of("status", "-D", dir.toString()), null, Duration.ofSeconds(10));
        } catch (RuntimeException notRunning) {
            return;
        }
        LOG.warnf("A PostgreSQL server left behind by an earlier harness still runs on %s: stopping it", dir);
        binaries.run("pg_ctl", List.of("stop", "-D", dir.toString(), "-m", "fast", "-t", "30", "-w"), null,
                Duration.ofSeconds(40));
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debugf("closing the data directory lock: %s", e.getMessage());
            }
        }
    }
}
