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
import java.util.concurrent.TimeUnit;
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
 *
 * <p>One harness per data directory (a file lock), and the server lives no longer than its harness: it is the harness's
 * own child and gets SIGINT (fast shutdown) when the harness dies, even of SIGKILL; a leftover server found on start
 * (one still shutting down, or of an earlier version) is stopped first.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgresServer.class);
    static final String OWNER_ROLE = "harness";
    static final String DATABASE = "postgres";
    /** Only names the socket file ({@code .s.PGSQL.5432}) in a private directory: no port is opened. */
    static final int SOCKET_PORT = 5432;
    /** sun_path holds 108 bytes on Linux (104 on macOS) including the terminating NUL. */
    static final int MAX_SOCKET_PATH = 107;
    static final String HARNESS_PASSWORD_FILE = "harness-password";
    static final String SUPERUSER_PASSWORD_FILE = "superuser-password";
    static final String SOCKET_DIRECTORY = "socket";
    private static final String LOCK_FILE = "epg-lock"; // zonky's name: data directories of earlier versions have it
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final Duration STOP_WAIT = Duration.ofSeconds(40);
    private static final Duration READY_POLL = Duration.ofMillis(100);
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
    private final Process postmaster;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private EmbeddedPostgresServer(EmbeddedPostgresBinaries binaries, Path dataDirectory, Path socketDirectory,
            boolean temporarySocketDirectory, String password, Process postmaster, FileChannel lockChannel, FileLock lock) {
        this.binaries = binaries;
        this.dataDirectory = dataDirectory;
        this.socketDirectory = socketDirectory;
        this.temporarySocketDirectory = temporarySocketDirectory;
        this.password = password;
        this.postmaster = postmaster;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Starts PostgreSQL on {@code dataDirectory}, running initdb only the first time. */
    public static EmbeddedPostgresServer start(Path dataDirectory) {
        Path dir = dataDirectory.toAbsolutePath().normalize();
        EmbeddedPostgresBinaries binaries = EmbeddedPostgresBinaries.unpack();
        FileChannel lockChannel = null;
        Process postmaster = null;
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
                throw new IllegalStateException("the embedded database in " + dir + " is in use by another harness "
                        + "(it holds " + dir.resolve(LOCK_FILE) + "): give each harness its own HARNESS_DATA_DIR");
            }
            stopLeftoverServer(binaries, dir);
            String harnessPassword = EmbeddedPostgresBootstrap.password(dir.resolve(HARNESS_PASSWORD_FILE));
            String superuserPassword = EmbeddedPostgresBootstrap.password(dir.resolve(SUPERUSER_PASSWORD_FILE));
            Files.writeString(dir.resolve("pg_hba.conf"), EmbeddedPostgresBootstrap.PG_HBA, StandardCharsets.UTF_8);
            new EmbeddedPostgresBootstrap(binaries, dir).apply(superuserPassword, harnessPassword);

            Path socketDirectory = dir.resolve(SOCKET_DIRECTORY);
            int maxSocketPath = EmbeddedPostgresPlatform.current().maxSocketPath();
            boolean temporary = socketPathLength(socketDirectory) > maxSocketPath || socketDirectory.toString().contains("'");
            if (temporary) {
                socketDirectory = Files.createTempDirectory(Path.of("/tmp"), "harness-pg-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                LOG.infof("The data directory path is too long for a Unix socket (max %d bytes); the embedded "
                        + "PostgreSQL socket is in %s instead", maxSocketPath, socketDirectory);
            } else {
                Files.createDirectories(socketDirectory);
            }
            Files.setPosixFilePermissions(socketDirectory, PosixFilePermissions.fromString("rwx------"));

            postmaster = binaries.startPostmaster(startArguments(dir, socketDirectory));
            awaitReady(postmaster, dir);
            LOG.infof("Embedded PostgreSQL started on Unix socket %s (no TCP port) with data directory %s",
                    socketDirectory, dir);
            return new EmbeddedPostgresServer(binaries, dir, socketDirectory, temporary, harnessPassword, postmaster,
                    lockChannel, lock);
        } catch (IOException e) {
            stopQuietly(postmaster);
            closeQuietly(lockChannel);
            throw new UncheckedIOException("cannot start embedded PostgreSQL in " + dir, e);
        } catch (RuntimeException e) {
            stopQuietly(postmaster);
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
                    STOP_WAIT);
            LOG.info("Embedded PostgreSQL stopped");
        } catch (RuntimeException e) {
            LOG.warnf("Embedded PostgreSQL did not stop cleanly: %s", e.getMessage());
        }
        stopQuietly(postmaster);
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
        List<String> args = new ArrayList<>(List.of("-D", dir.toString(), "-F", "-p", Integer.toString(SOCKET_PORT)));
        SERVER_SETTINGS.forEach((name, value) -> args.addAll(List.of("-c", name + "=" + value)));
        args.addAll(List.of("-c", "unix_socket_directories=" + socketDirectory));
        return args;
    }

    /**
     * Waits as {@code pg_ctl start -w} does: until {@code postmaster.pid} names our process and says {@code ready}
     * (its 8th line). No connection is needed, so no password goes anywhere.
     */
    private static void awaitReady(Process postmaster, Path dir) throws IOException {
        Path pidFile = dir.resolve("postmaster.pid");
        long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!postmaster.isAlive()) {
                throw new IllegalStateException("PostgreSQL exited with " + postmaster.exitValue() + " while starting on "
                        + dir + "; its messages are in the log above");
            }
            List<String> lines = Files.exists(pidFile) ? Files.readAllLines(pidFile, StandardCharsets.UTF_8) : List.of();
            if (lines.size() >= 8 && lines.get(0).strip().equals(Long.toString(postmaster.pid()))
                    && lines.get(7).strip().equals("ready")) {
                return;
            }
            try {
                Thread.sleep(READY_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting PostgreSQL", e);
            }
        }
        throw new IllegalStateException("PostgreSQL on " + dir + " was not ready within " + STARTUP_WAIT);
    }

    /** Stops our own child if pg_ctl did not (nobody is connected any more by then) and reaps it. */
    private static void stopQuietly(Process postmaster) {
        if (postmaster == null) {
            return;
        }
        try {
            postmaster.destroy();
            if (!postmaster.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("Embedded PostgreSQL (pid %d) did not stop within %s: killing it", postmaster.pid(), STOP_WAIT);
                postmaster.destroyForcibly().waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A server of a harness that was killed outright may still run on this directory (we hold its lock now): one that
     * is still shutting down after its parent-death signal, or one of a harness without setpriv or of an earlier
     * version (pg_ctl-started, daemonized). It would hold {@code postmaster.pid} and ours would refuse to start.
     */
    private static void stopLeftoverServer(EmbeddedPostgresBinaries binaries, Path dir) {
        if (!leftoverServerRuns(binaries, dir)) {
            return;
        }
        LOG.warnf("A PostgreSQL server left behind by an earlier harness still runs on %s: stopping it", dir);
        try {
            binaries.run("pg_ctl", List.of("stop", "-D", dir.toString(), "-m", "fast", "-t", "30", "-w"), null, STOP_WAIT);
        } catch (RuntimeException e) {
            if (leftoverServerRuns(binaries, dir)) {
                throw e;
            }
            // It finished its own shutdown between our look and pg_ctl's.
        }
    }

    private static boolean leftoverServerRuns(EmbeddedPostgresBinaries binaries, Path dir) {
        if (!Files.exists(dir.resolve("postmaster.pid"))) {
            return false;
        }
        try {
            binaries.run("pg_ctl", List.of("status", "-D", dir.toString()), null, Duration.ofSeconds(10));
            return true;
        } catch (RuntimeException notRunning) {
            return false;
        }
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
