package dev.agentharness.runtime.sandbox;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Where the workspace snapshots of every run in this process live: 0600 files on disk, never the
 * heap, under {@code <base>/<pid>} (0700). Two bounds: one snapshot may hold at most
 * {@code maxBytes} ({@code SANDBOX_SNAPSHOT_MAX_BYTES}), and all snapshots of the process together —
 * including the one being written while the previous one of the same run still exists — at most
 * {@code totalMaxBytes} ({@code SANDBOX_SNAPSHOT_TOTAL_MAX_BYTES}). Bytes are charged as they are
 * written, so the bound holds while snapshots are in flight, and released when a file is deleted.
 */
public final class SnapshotStore {

    private static final Logger LOG = Logger.getLogger(SnapshotStore.class);
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    public static final long DEFAULT_TOTAL_MAX_BYTES = 8L << 30;
    private static volatile SnapshotStore temporary;

    /** One kept snapshot: a file of {@code size} bytes, charged to the store until {@link #discard}ed. */
    public record Snapshot(Path file, long size) {
    }

    private final Path directory;
    private final long maxBytes;
    private final long totalMaxBytes;
    private final AtomicLong used = new AtomicLong();

    private SnapshotStore(Path directory, long maxBytes, long totalMaxBytes) {
        this.directory = directory;
        this.maxBytes = maxBytes;
        this.totalMaxBytes = totalMaxBytes;
    }

    /**
     * The store of this process under {@code base}. Directories left by earlier processes (this pid
     * in an earlier container, or a pid that is no longer running) are deleted first: their
     * snapshots belong to runs that ended with their process.
     */
    public static SnapshotStore open(Path base, long maxBytes, long totalMaxBytes) {
        if (maxBytes < 1 || totalMaxBytes < maxBytes) {
            throw new IllegalArgumentException("snapshot limits need 0 < SANDBOX_SNAPSHOT_MAX_BYTES (" + maxBytes
                    + ") <= SANDBOX_SNAPSHOT_TOTAL_MAX_BYTES (" + totalMaxBytes + ")");
        }
        long self = ProcessHandle.current().pid();
        try {
            Files.createDirectories(base);
            try (DirectoryStream<Path> children = Files.newDirectoryStream(base)) {
                for (Path child : children) {
                    String name = child.getFileName().toString();
                    if (name.matches("\\d{1,18}") && (Long.parseLong(name) == self
                            || ProcessHandle.of(Long.parseLong(name)).isEmpty())) {
                        deleteTree(child);
                        LOG.infof("deleted the workspace snapshots an earlier harness process left in %s", child);
                    }
                }
            }
            Path directory = Files.createDirectory(base.resolve(Long.toString(self)),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return new SnapshotStore(directory, maxBytes, totalMaxBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the snapshot directory " + base, e);
        }
    }

    /** A store under {@code java.io.tmpdir} with the default limits, shared by whoever has no configured one. */
    public static SnapshotStore temporary() {
        SnapshotStore store = temporary;
        if (store == null) {
            synchronized (SnapshotStore.class) {
                if (temporary == null) {
                    temporary = open(Path.of(System.getProperty("java.io.tmpdir"), "agent-harness-snapshots"),
                            DEFAULT_MAX_BYTES, DEFAULT_TOTAL_MAX_BYTES);
                }
                store = temporary;
            }
        }
        return store;
    }

    public long maxBytes() {
        return maxBytes;
    }

    public long totalMaxBytes() {
        return totalMaxBytes;
    }

    /** Bytes of all snapshots on disk (and being written) now. */
    public long usedBytes() {
        return used.get();
    }

    Path directory() {
        return directory;
    }

    /**
     * Streams a snapshot of {@code sandbox} to a new file. Nothing is kept when it fails; a
     * {@link SnapshotRefusedException} says which bound it hit.
     */
    public Snapshot take(Sandbox sandbox) throws SandboxException {
        Path file;
        try {
            file = Files.createTempFile(directory, "snapshot-", ".tar",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (IOException e) {
            throw new SandboxException("the harness cannot create a snapshot file (" + e.getClass().getSimpleName() + ")");
        }
        ChargedOutput output = null;
        boolean kept = false;
        try {
            output = new ChargedOutput(Files.newOutputStream(file));
            try (ChargedOutput out = output) {
                sandbox.snapshot(out);
            } catch (SandboxException e) {
                throw output.refusal() != null ? new SnapshotRefusedException(output.refusal()) : e;
            }
            if (output.refusal() != null) {
                throw new SnapshotRefusedException(output.refusal());
            }
            kept = true;
            return new Snapshot(file, output.written());
        } catch (IOException e) {
            if (output != null && output.refusal() != null) {
                throw new SnapshotRefusedException(output.refusal());
            }
            throw new SandboxException("the harness cannot write the snapshot file (" + e.getClass().getSimpleName() + ")");
        } finally {
            if (!kept) {
                delete(file, output == null ? 0 : output.written());
            }
        }
    }

    /** Deletes a snapshot that was replaced or whose run ended. */
    public void discard(Snapshot snapshot) {
        if (snapshot != null) {
            delete(snapshot.file(), snapshot.size());
        }
    }

    private void delete(Path file, long charged) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warnf("cannot delete the snapshot file %s (%s); it goes at the next start", file, e.getClass().getSimpleName());
        } finally {
            used.addAndGet(-charged);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private boolean charge(long bytes) {
        long now;
        do {
            now = used.get();
            if (now + bytes > totalMaxBytes) {
                return false;
            }
        } while (!used.compareAndSet(now, now + bytes));
        return true;
    }

    /**
     * The file's stream, charging every byte to the store before writing it. Beyond a bound it
     * throws and remembers why, so the provider stops and the reason is the store's, not the transport's.
     */
    private final class ChargedOutput extends OutputStream {
        private final OutputStream file;
        private long written;
        private volatile String refusal;

        ChargedOutput(OutputStream file) {
            this.file = file;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
            if (refusal != null) {
                throw new IOException(refusal);
            }
            if (written + length > maxBytes) {
                refusal = "the workspace is larger than " + maxBytes + " bytes (SANDBOX_SNAPSHOT_MAX_BYTES) and can no "
                        + "longer be snapshotted; if the sandbox is lost, the changes since the last snapshot are lost too";
                throw new IOException(refusal);
            }
            if (!charge(length)) {
                refusal = "the harness's snapshot space (" + totalMaxBytes + " bytes for all runs together, "
                        + "SANDBOX_SNAPSHOT_TOTAL_MAX_BYTES) is full, so the workspace was not snapshotted; if the "
                        + "sandbox is lost, the changes since the last snapshot are lost too";
                throw new IOException(refusal);
            }
            // Counted before the write: a failed write's bytes are charged and released with the file.
            written += length;
            file.write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
            file.flush();
        }

        @Override
        public void close() throws IOException {
            file.close();
        }

        synchronized long written() {
            return written;
        }

        String refusal() {
            return refusal;
        }
    }
}
