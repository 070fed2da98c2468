package dev.agentharness.runtime.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Debian PgBouncer in <b>transaction</b> mode in front of a {@link LocalPostgres} — the shape of Neon's pooled
 * endpoint: consecutive transactions of one client land on different server connections, so any session state
 * (SET, session advisory locks, named prepared statements, temp tables) breaks.
 *
 * <p>Clients authenticate with md5 against a userlist holding the plain password, which PgBouncer then also uses for
 * SCRAM towards the server. PgBouncer refuses to run as root: {@code -u postgres}, with its log and pid files in a
 * directory that user owns (STACK.md §2).
 */
public final class LocalPgBouncer implements AutoCloseable {

    private final Path dir;
    private final int port;

    private LocalPgBouncer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    public static Optional<Path> binary() {
        for (String candidate : List.of("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Optional.of(Path.of(candidate));
            }
        }
        return Optional.empty();
    }

    /** Starts PgBouncer on a free port in front of {@code server}; every database of the server is reachable. */
    public static LocalPgBouncer start(LocalPostgres server) {
        LocalPostgres.assumeInstalled(true);
        try {
            Path dir = Files.createDirectories(server.directory().resolve("pgbouncer"));
            int port = LocalPostgres.freePort();
            Files.writeString(dir.resolve("userlist.txt"),
                    "\"" + LocalPostgres.USER + "\" \"" + LocalPostgres.PASSWORD + "\"\n");
            Files.writeString(dir.resolve("pgbouncer.ini"), """
                    [databases]
                    * = host=127.0.0.1 port=%d
                    [pgbouncer]
                    listen_addr = 127.0.0.1
                    listen_port = %d
                    unix_socket_dir =
                    auth_type = md5
                    auth_file = %s
                    pool_mode = transaction
                    max_client_conn = 1000
                    default_pool_size = 20
                    server_login_retry = 1
                    ignore_startup_parameters = extra_float_digits
                    logfile = %s
                    pidfile = %s
                    """.formatted(server.port(), port, dir.resolve("userlist.txt"), dir.resolve("pgbouncer.log"),
                    dir.resolve("pgbouncer.pid")));
            LocalPostgres.giveToPostgres(dir);
            List<String> command = new ArrayList<>(List.of(binary().orElseThrow().toString(), "-d"));
            if (LocalPostgres.isRoot()) {
                command.addAll(List.of("-u", LocalPostgres.USER));
            }
            command.add(dir.resolve("pgbouncer.ini").toString());
            LocalPostgres.run(command, dir);
            LocalPgBouncer bouncer = new LocalPgBouncer(dir, port);
            bouncer.awaitListening(Duration.ofSeconds(15));
            return bouncer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** The pooled endpoint, as Neon shows it: "-pooler" host aside, same user, encoded password, sslmode. */
    public String url(String database) {
        return "postgresql://" + LocalPostgres.USER + ":" + LocalPostgres.encodedPassword() + "@127.0.0.1:" + port
                + "/" + database + "?sslmode=disable&channel_binding=prefer"; // require needs TLS: refused
    }

    public String log() {
        try {
            return Files.readString(dir.resolve("pgbouncer.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        try {
            long pid = Long.parseLong(Files.readString(dir.resolve("pgbouncer.pid")).strip());
            ProcessHandle.of(pid).ifPresent(p -> {
                p.destroy(); // SIGTERM: PgBouncer exits at once
                p.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).exceptionally(e -> null).join();
            });
        } catch (IOException | NumberFormatException e) {
            // never started, or already gone
        }
    }

    private void awaitListening(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (LoopbackProbe.listening(port)) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("pgbouncer did not listen on " + port + ":\n" + log());
    }
}
