package dev.agentharness.runtime.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A private Debian PostgreSQL cluster (initdb + pg_ctl, run as the {@code postgres} user when we are root, fsync off,
 * a random free port), optionally with a {@link LocalPgBouncer} in front of it. Unlike the embedded zonky server, it
 * can be stopped and started under a running harness (outage tests) and is what PgBouncer fronts in CI.
 *
 * <p>The superuser has a password that needs URL-encoding ({@link #PASSWORD}) and the server requires SCRAM over TCP,
 * so every test through this class also proves that pasted, encoded passwords work.
 */
public final class LocalPostgres implements AutoCloseable {

    public static final String USER = "postgres";
    /** '@', ':' and '/' must be percent-encoded in a URL; PgBouncer's userlist holds it verbatim. */
    public static final String PASSWORD = "p@ss:w/rd";

    private final Path bin;
    private final Path dir;
    private final int port;

    private LocalPostgres(Path bin, Path dir, int port) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
    }

    /** The newest {@code /usr/lib/postgresql/<version>/bin} that has initdb and pg_ctl. */
    public static Optional<Path> binaries() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparing(b -> versionOf(b)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Skips the calling test when the Debian packages are missing on a developer machine; fails it on CI
     * ({@code CI=true}), where {@code .ci/run} installs them and a skip would hide a broken setup.
     */
    public static void assumeInstalled(boolean needPgBouncer) {
        List<String> missing = new ArrayList<>();
        if (binaries().isEmpty()) {
            missing.add("postgresql (initdb, pg_ctl under /usr/lib/postgresql/*/bin)");
        }
        if (needPgBouncer && LocalPgBouncer.binary().isEmpty()) {
            missing.add("pgbouncer");
        }
        if (missing.isEmpty()) {
            return;
        }
        String message = "Debian package(s) missing: " + String.join(", ", missing)
                + " — install with 'apt-get install -y postgresql pgbouncer' (.ci/run does)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException(message + "; CI=true, so this is a failure, not a skip");
        }
        Assumptions.abort(message);
    }

    /** initdb into a fresh directory under /tmp and start the server; callers own {@link #close()}. */
    public static LocalPostgres start() {
        assumeInstalled(false);
        Path bin = binaries().orElseThrow();
        try {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "harness-pg-");
            Path pwfile = dir.resolve("pwfile");
            Files.writeString(pwfile, PASSWORD + "\n");
            giveToPostgres(dir);
            LocalPostgres server = new LocalPostgres(bin, dir, freePort());
            server.asPostgres(bin.resolve("initdb").toString(), "-D", server.dataDir().toString(), "-U", USER,
                    "--pwfile=" + pwfile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                    "--no-sync");
            server.startServer();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** Working directory of this cluster (data, logs, sockets); PgBouncer keeps its files here too. */
    public Path directory() {
        return dir;
    }

    /** A URL the way Neon shows it: percent-encoded password, extra parameters the harness ignores or strips. */
    public String url(String database) {
        return "postgresql://" + USER + ":" + encodedPassword() + "@127.0.0.1:" + port + "/" + database
                + "?sslmode=disable";
    }

    public static String encodedPassword() {
        return URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8);
    }

    /** Runs SQL as the superuser over the Unix socket (psql), e.g. CREATE DATABASE. */
    public void psql(String database, String sql) {
        asPostgres(bin.resolve("psql").toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", dir.toString(), "-p",
                Integer.toString(port), "-U", USER, "-d", database, "-c", sql);
    }

    /**
     * Runs one query as the superuser over the Unix socket ({@code psql -At}) and returns its rows, each as its columns
     * (unaligned, split on {@code |}): what a test reads straight from the tables, e.g. the run journal.
     */
    public List<List<String>> query(String database, String sql) {
        List<String> command = new ArrayList<>();
        if (isRoot()) {
            command.addAll(List.of("runuser", "-u", USER, "--"));
        }
        command.addAll(List.of(bin.resolve("psql").toString(), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h",
                dir.toString(), "-p", Integer.toString(port), "-U", USER, "-d", database, "-c", sql));
        List<List<String>> rows = new ArrayList<>();
        for (String line : output(command, dir).split("\n")) {
            if (!line.isEmpty()) {
                rows.add(List.of(line.split("\\|", -1)));
            }
        }
        return rows;
    }

    /** A client program of the same PostgreSQL version as this server, e.g. {@code pg_dump} or {@code pg_restore}. */
    public Path client(String name) {
        return bin.resolve(name);
    }

    /**
     * Runs a client program of this server's version as the current user (it connects through the URL it is given, as
     * an operator's shell would); returns its output, or throws with it when it fails.
     */
    public String runClient(String program, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(client(program).toString());
        command.addAll(List.of(arguments));
        return output(command, dir);
    }

    public void createDatabase(String name) {
        psql("postgres", "CREATE DATABASE " + name);
    }

    /** {@code pg_ctl start -w}: returns when the server accepts connections. */
    public void startServer() {
        asPostgres(bin.resolve("pg_ctl").toString(), "start", "-w", "-t", "60", "-D", dataDir().toString(),
                "-l", dir.resolve("postgres.log").toString(), "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off"
                        + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300");
    }

    /** {@code pg_ctl stop -m fast}: every connection is cut, as in a database outage or failover. */
    public void stopServer() {
        asPostgres(bin.resolve("pg_ctl").toString(), "stop", "-w", "-m", "fast", "-D", dataDir().toString());
    }

    public String serverLog() {
        try {
            return Files.readString(dir.resolve("postgres.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        try {
            if (Files.exists(dataDir().resolve("postmaster.pid"))) {
                stopServer();
            }
        } finally {
            deleteQuietly(dir);
        }
    }

    private Path dataDir() {
        return dir.resolve("data");
    }

    void asPostgres(String... command) {
        List<String> full = new ArrayList<>();
        if (isRoot()) {
            // PostgreSQL refuses to run as root.
            full.addAll(List.of("runuser", "-u", USER, "--"));
        }
        full.addAll(List.of(command));
        run(full, dir);
    }

    static void run(List<String> command, Path workDir) {
        output(command, workDir);
    }

    /** Runs {@code command} to completion; returns its output, or throws with it when the exit code is not 0. */
    static String output(List<String> command, Path workDir) {
        try {
            Path output = Files.createTempFile(Path.of("/tmp"), "harness-cmd-", ".log");
            Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("timed out: " + command.getFirst());
            }
            String text = Files.readString(output);
            Files.deleteIfExists(output);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited " + process.exitValue() + ":\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    static void giveToPostgres(Path dir) {
        if (isRoot()) {
            run(List.of("chown", "-R", USER + ":" + USER, dir.toString()), Path.of("/tmp"));
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int versionOf(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: it lives under /tmp
        }
    }
}
