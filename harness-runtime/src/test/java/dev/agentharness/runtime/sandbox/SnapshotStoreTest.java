package dev.agentharness.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.sandbox.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot store's two bounds (one snapshot, all snapshots of the process together), its files
 * (0600 in a 0700 directory, deleted when replaced, refused, or left by an earlier process), and
 * what a run sees when a snapshot is skipped.
 */
class SnapshotStoreTest {

    static final int KIB = 1024;

    @TempDir
    Path base;

    /** A workspace of {@code size} bytes that it writes in 8 KiB chunks, like a provider's stream. */
    static class SizedSandbox implements Sandbox {
        final String id;
        volatile long size;
        volatile byte fill;
        volatile boolean alive = true;
        byte[] restored;
        Runnable afterEachChunk = () -> { };

        SizedSandbox(String id, long size) {
            this.id = id;
            this.size = size;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String runId() {
            return "run_" + id;
        }

        @Override
        public ExecResult exec(String command, String workdir, Duration timeout, int maxOutputBytes) {
            return new ExecResult(0, "", "", false, false, false, Duration.ZERO);
        }

        @Override
        public byte[] readFile(String path, int maxBytes) {
            return new byte[0];
        }

        @Override
        public void writeFile(String path, byte[] content) {
        }

        @Override
        public List<WorkspaceFile> listFiles(String path) {
            return List.of();
        }

        @Override
        public void snapshot(OutputStream target) throws SandboxException {
            byte[] chunk = new byte[8 * KIB];
            Arrays.fill(chunk, fill);
            try {
                for (long left = size; left > 0; left -= chunk.length) {
                    target.write(chunk, 0, (int) Math.min(chunk.length, left));
                    afterEachChunk.run();
                }
            } catch (IOException refused) {
                throw new SandboxException("the snapshot stream broke off");
            }
        }

        @Override
        public void restore(InputStream snapshot, long length) throws SandboxException {
            try {
                restored = snapshot.readNBytes((int) length);
            } catch (IOException e) {
                throw new SandboxException("cannot read: " + e);
            }
        }

        @Override
        public boolean alive() {
            return alive;
        }

        @Override
        public void destroy() {
            alive = false;
        }
    }

    @Test
    void snapshotsAre0600FilesInA0700DirectoryChargedUntilDiscarded() throws Exception {
        SnapshotStore store = SnapshotStore.open(base, 200 * KIB, 300 * KIB);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.directory())));
        SnapshotStore.Snapshot snapshot = store.take(new SizedSandbox("a", 100 * KIB));
        assertEquals(100 * KIB, snapshot.size());
        assertEquals(100 * KIB, Files.size(snapshot.file()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(snapshot.file())));
        assertEquals(100 * KIB, store.usedBytes());
        store.discard(snapshot);
        assertFalse(Files.exists(snapshot.file()));
        assertEquals(0, store.usedBytes());
    }

    @Test
    void aSnapshotBeyondThePerRunCapIsRefusedNamingTheSettingAndKeepsNothing() throws Exception {
        SnapshotStore store = SnapshotStore.open(base, 200 * KIB, 1000 * KIB);
        SnapshotRefusedException refused = assertThrows(SnapshotRefusedException.class,
                () -> store.take(new SizedSandbox("a", 200 * KIB + 1)));
        assertEquals("the workspace is larger than 204800 bytes (SANDBOX_SNAPSHOT_MAX_BYTES) and can no longer be "
                + "snapshotted; if the sandbox is lost, the changes since the last snapshot are lost too", refused.getMessage());
        assertEquals(0, store.usedBytes());
        assertEquals(List.of(), SnapshotChecks.files(store.directory()));
        assertEquals(200 * KIB, store.take(new SizedSandbox("b", 200 * KIB)).size(), "exactly the cap fits");
    }

    @Test
    void allRunsTogetherStayWithinTheProcessWideBudget() throws Exception {
        SnapshotStore store = SnapshotStore.open(base, 200 * KIB, 300 * KIB);
        SnapshotStore.Snapshot first = store.take(new SizedSandbox("a", 150 * KIB));
        SnapshotStore.Snapshot second = store.take(new SizedSandbox("b", 150 * KIB));
        assertEquals(300 * KIB, store.usedBytes());

        SnapshotRefusedException refused = assertThrows(SnapshotRefusedException.class,
                () -> store.take(new SizedSandbox("c", 10 * KIB)));
        assertTrue(refused.getMessage().startsWith("the harness's snapshot space (307200 bytes for all runs together, "
                + "SANDBOX_SNAPSHOT_TOTAL_MAX_BYTES) is full"), refused.getMessage());
        assertEquals(300 * KIB, store.usedBytes(), "a refused snapshot charges nothing");
        assertEquals(2, SnapshotChecks.files(store.directory()).size());

        store.discard(first);
        assertEquals(10 * KIB, store.take(new SizedSandbox("c", 10 * KIB)).size(), "space comes back when a run's snapshot goes");
        store.discard(second);
    }

    @Test
    void concurrentSnapshotsNeverHoldMoreThanTheBudgetEvenWhileBeingWritten() throws Exception {
        long total = 350 * KIB;
        SnapshotStore store = SnapshotStore.open(base, 100 * KIB, total);
        AtomicLong highWater = new AtomicLong();
        ConcurrentLinkedQueue<String> refusals = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        // Every run has tried its first snapshot before any run goes on: their snapshots overlap for sure.
        java.util.concurrent.CyclicBarrier allTriedOnce = new java.util.concurrent.CyclicBarrier(8);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int r = 0; r < 8; r++) {
                String id = "run" + r;
                runs.add(pool.submit(() -> {
                    SizedSandbox sandbox = new SizedSandbox(id, 100 * KIB);
                    sandbox.afterEachChunk = () -> highWater.accumulateAndGet(store.usedBytes(), Math::max);
                    SnapshotStore.Snapshot kept = null;
                    for (int i = 0; i < 20; i++) {
                        try {
                            SnapshotStore.Snapshot taken = store.take(sandbox);
                            store.discard(kept);
                            kept = taken;
                        } catch (SnapshotRefusedException e) {
                            refusals.add(e.getMessage());
                        }
                        if (i == 0) {
                            allTriedOnce.await();
                        }
                    }
                    store.discard(kept);
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(highWater.get() <= total, "at most " + total + " bytes at any time, saw " + highWater.get());
        assertFalse(refusals.isEmpty(), "8 runs × (old + new) 100 KiB snapshots cannot all fit into 350 KiB");
        assertTrue(refusals.stream().allMatch(m -> m.contains("SANDBOX_SNAPSHOT_TOTAL_MAX_BYTES")), refusals.toString());
        assertEquals(0, store.usedBytes());
        assertEquals(List.of(), SnapshotChecks.files(store.directory()));
    }

    @Test
    void aProviderFailureKeepsItsOwnMessageAndLeavesNoFile() throws Exception {
        SnapshotStore store = SnapshotStore.open(base, 200 * KIB, 300 * KIB);
        SizedSandbox broken = new SizedSandbox("a", 50 * KIB) {
            @Override
            public void snapshot(OutputStream target) throws SandboxException {
                super.snapshot(target);
                throw new SandboxException("snapshot failed: tar: ./x: Cannot open");
            }
        };
        SandboxException failed = assertThrows(SandboxException.class, () -> store.take(broken));
        assertFalse(failed instanceof SnapshotRefusedException);
        assertEquals("snapshot failed: tar: ./x: Cannot open", failed.getMessage());
        assertEquals(0, store.usedBytes());
        assertEquals(List.of(), SnapshotChecks.files(store.directory()));
    }

    @Test
    void openingDeletesWhatEarlierProcessesLeftAndNothingElse() throws Exception {
        Path deadProcess = Files.createDirectories(base.resolve("999999999"));
        Files.writeString(deadProcess.resolve("snapshot-1.tar"), "old");
        Path samePid = Files.createDirectories(base.resolve(Long.toString(ProcessHandle.current().pid())));
        Files.writeString(samePid.resolve("snapshot-2.tar"), "old");
        Path living = Files.createDirectories(base.resolve("1"));
        Path unrelated = Files.writeString(base.resolve("notes.txt"), "keep");

        SnapshotStore store = SnapshotStore.open(base, 200 * KIB, 300 * KIB);

        assertFalse(Files.exists(deadProcess), "the directory of a process that no longer runs is deleted");
        assertEquals(List.of(), SnapshotChecks.files(store.directory()), "this pid's leftovers (an earlier container) too");
        assertTrue(Files.exists(living), "a running process's directory stays");
        assertTrue(Files.exists(unrelated));
    }

    @Test
    void limitsOutOfOrderAreRefusedAtStartup() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SnapshotStore.open(base, 300 * KIB, 200 * KIB));
        assertTrue(e.getMessage().contains("SANDBOX_SNAPSHOT_MAX_BYTES"), e.getMessage());
    }

    /** One provider handing out {@link SizedSandbox}es, for {@link RunSandbox}. */
    static final class SizedProvider implements SandboxProvider {
        final List<SizedSandbox> created = new ArrayList<>();
        long size;

        @Override
        public String name() {
            return "sized";
        }

        @Override
        public List<dev.agentharness.api.sandbox.ManifestProblem> unsupported(Manifest manifest) {
            return List.of();
        }

        @Override
        public synchronized Sandbox create(SandboxSpec spec) {
            SizedSandbox sandbox = new SizedSandbox("sbx" + created.size(), size);
            created.add(sandbox);
            return sandbox;
        }

        @Override
        public boolean healthy() {
            return true;
        }

        @Override
        public List<OwnedSandbox> owned() {
            return List.of();
        }

        @Override
        public void destroy(String sandboxId) {
        }
    }

    @Test
    void aRunWhoseWorkspaceOutgrowsTheCapKeepsItsLastSnapshotAndIsToldOnce() throws Exception {
        SnapshotStore store = SnapshotStore.open(base, 100 * KIB, 1000 * KIB);
        SizedProvider provider = new SizedProvider();
        SandboxSpec spec = new SandboxSpec("run_grow", "ses", new Manifest(null, java.util.Map.of(), null, null),
                Duration.ofMinutes(5));
        RunSandbox run = RunSandbox.provision(provider, spec, RunSandbox.Preparation.NONE, store);
        SizedSandbox first = provider.created.getFirst();

        first.size = 50 * KIB;
        first.fill = 1;
        run.change(s -> null);
        assertEquals(Optional.empty(), run.takeSnapshotNotice());
        assertEquals(50 * KIB, store.usedBytes());

        first.size = 150 * KIB;
        first.fill = 2;
        run.change(s -> null);
        Optional<String> notice = run.takeSnapshotNotice();
        assertTrue(notice.orElseThrow().startsWith("the workspace is larger than 102400 bytes (SANDBOX_SNAPSHOT_MAX_BYTES)"),
                notice.toString());
        assertEquals(Optional.empty(), run.takeSnapshotNotice(), "told once per refused snapshot");
        assertEquals(50 * KIB, store.usedBytes(), "the last snapshot that fitted is kept");

        first.alive = false;
        run.read(s -> null);
        byte[] expected = new byte[50 * KIB];
        Arrays.fill(expected, (byte) 1);
        assertArrayEquals(expected, provider.created.get(1).restored, "the replacement got the last snapshot that fitted");

        run.close();
        assertEquals(0, store.usedBytes(), "the run's snapshot is deleted when the run ends");
        assertEquals(List.of(), SnapshotChecks.files(store.directory()));
    }
}
