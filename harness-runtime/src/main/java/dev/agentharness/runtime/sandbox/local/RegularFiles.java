package dev.agentharness.runtime.sandbox.local;

import dev.agentharness.runtime.sandbox.SandboxException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Host-side reads and writes of workspace files that never hang on what the sandboxed code left there. Opening a
 * FIFO blocks until the other end opens it, a device may block forever: only regular files are opened. The check
 * is made before opening, and — because the sandbox may swap the file for a FIFO between the check and the open —
 * the open and the I/O run on a virtual thread the caller waits for only {@link #DEADLINE}; a stuck open is
 * released by opening the FIFO's other end (read-write, which never blocks on Linux) and closing it again.
 */
final class RegularFiles {

    static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;

    interface Io<T> {
        T run() throws IOException, SandboxException;
    }

    private RegularFiles() {
    }

    /** True when {@code file} exists (not following a final symlink); refuses anything but a regular file. */
    static boolean existsAsRegularFile(Path file, String shownAs) throws SandboxException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new SandboxException("cannot inspect '" + shownAs + "': " + e.getClass().getSimpleName());
        }
        if (attributes.isDirectory()) {
            throw new SandboxException("'" + shownAs + "' is a directory");
        }
        if (!attributes.isRegularFile()) {
            throw new SandboxException("'" + shownAs + "' is not a regular file (a symlink, FIFO, socket or device); "
                    + "the file tools only read and write regular files");
        }
        return true;
    }

    /** Runs {@code io} (which opens {@code file}) within the deadline; a hang means the file is not a regular one. */
    static <T> T withDeadline(Path file, String shownAs, Io<T> io) throws SandboxException {
        FutureTask<T> task = new FutureTask<>(() -> io.run());
        Thread worker = Thread.ofVirtual().name("workspace-file-io").start(task);
        try {
            return task.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            release(file);
            worker.interrupt();
            throw new SandboxException("'" + shownAs + "' did not open as a regular file (it was replaced by a FIFO "
                    + "or device while the tool ran)");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SandboxException se) {
                throw se;
            }
            if (e.getCause() instanceof NoSuchFileException) {
                throw new SandboxException("no such file: '" + shownAs + "'");
            }
            throw new SandboxException("cannot access '" + shownAs + "': " + e.getCause().getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while accessing '" + shownAs + "'");
        }
    }

    /** An open of a FIFO waits for the other end: be that other end for a moment, then leave. */
    private static void release(Path file) {
        try {
            int mode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) == S_IFIFO) {
                FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS).close();
            }
        } catch (IOException | RuntimeException e) {
            // Nothing more to do: the worker stays parked until the FIFO's other end opens or the sandbox is destroyed.
        }
    }
}
