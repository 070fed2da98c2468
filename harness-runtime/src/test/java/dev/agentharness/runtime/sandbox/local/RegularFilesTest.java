package dev.agentharness.runtime.sandbox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.runtime.sandbox.SandboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The race the up-front check cannot close: the sandboxed code swaps a checked regular file for a FIFO before the
 * harness opens it. The open then blocks; the caller gets an error after the deadline and the stuck open is released.
 */
class RegularFilesTest {

    @TempDir
    Path workspace;

    @Test
    void anOpenThatBlocksOnAFifoEndsWithAnErrorAndIsReleased() throws Exception {
        Path fifo = workspace.resolve("swapped");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        CountDownLatch workerDone = new CountDownLatch(1);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            SandboxException e = assertThrows(SandboxException.class, () -> RegularFiles.withDeadline(fifo, "swapped", () -> {
                try {
                    return Files.readAllBytes(fifo);
                } finally {
                    workerDone.countDown();
                }
            }));
            assertTrue(e.getMessage().startsWith("'swapped' did not open as a regular file"), e.getMessage());
            assertTrue(workerDone.await(30, TimeUnit.SECONDS), "the open blocked on the FIFO was released");
        });
    }

    @Test
    void aRegularFileIsReadAndAFifoIsRefusedBeforeOpening() throws Exception {
        Path file = Files.writeString(workspace.resolve("notes.txt"), "hi");
        assertTrue(RegularFiles.existsAsRegularFile(file, "notes.txt"));
        assertEquals("hi", new String(RegularFiles.withDeadline(file, "notes.txt", () -> Files.readAllBytes(file))));
        Path fifo = workspace.resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertThrows(SandboxException.class, () -> RegularFiles.existsAsRegularFile(fifo, "pipe"));
        assertEquals(false, RegularFiles.existsAsRegularFile(workspace.resolve("missing"), "missing"));
    }
}
