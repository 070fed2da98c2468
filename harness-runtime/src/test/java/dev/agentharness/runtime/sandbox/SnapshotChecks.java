package dev.agentharness.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

/** What every provider's snapshot must do, checked through a real {@link SnapshotStore} on disk. */
public final class SnapshotChecks {

    private SnapshotChecks() {
    }

    /** Snapshots {@code from} into a 0600 file, restores the file into {@code to}, and leaves nothing behind. */
    public static void roundTrip(Sandbox from, Sandbox to, Path base) throws Exception {
        SnapshotStore store = SnapshotStore.open(base, 64L << 20, 128L << 20);
        SnapshotStore.Snapshot snapshot = store.take(from);
        assertTrue(snapshot.size() > 0);
        assertEquals(snapshot.size(), Files.size(snapshot.file()));
        assertEquals(snapshot.size(), store.usedBytes(), "the snapshot's bytes are charged to the store");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(snapshot.file())));
        try (InputStream archive = Files.newInputStream(snapshot.file())) {
            to.restore(archive, snapshot.size());
        }
        store.discard(snapshot);
        assertEquals(0, store.usedBytes());
        assertEquals(List.of(), files(store.directory()));
    }

    /**
     * {@code sandbox}'s workspace holds more than 64 KiB: a store that allows 64 KiB per snapshot
     * refuses it with the setting's name, charges nothing and keeps no file.
     */
    public static void refusedBeyondThePerRunCap(Sandbox sandbox, Path base) throws Exception {
        SnapshotStore store = SnapshotStore.open(base, 64 * 1024, 1L << 30);
        SnapshotRefusedException refused = assertThrows(SnapshotRefusedException.class, () -> store.take(sandbox));
        assertTrue(refused.getMessage().startsWith("the workspace is larger than 65536 bytes (SANDBOX_SNAPSHOT_MAX_BYTES)"),
                refused.getMessage());
        assertEquals(0, store.usedBytes());
        assertEquals(List.of(), files(store.directory()));
    }

    static List<Path> files(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.toList();
        }
    }
}
