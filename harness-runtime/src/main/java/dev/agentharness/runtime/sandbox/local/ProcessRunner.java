package dev.agentharness.runtime.sandbox.local;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one host process (a bwrap invocation) with an <b>empty</b> environment. Clearing the
 * environment of bwrap itself matters, not only {@code --clearenv}: with a PID namespace bwrap's
 * init is PID 1 inside the sandbox, and {@code /proc/1/environ} would otherwise show the harness's
 * environment — model keys included — to the sandboxed code.
 */
final class ProcessRunner {

    record Outcome(int exitCode, byte[] stdout, byte[] stderr, boolean stdoutTruncated, boolean stderrTruncated,
                   boolean timedOut, Duration wallTime) {
    }

    private ProcessRunner() {
    }

    static Outcome run(List<String> argv, byte[] stdin, Duration timeout, int maxOutputBytes) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(argv);
        builder.environment().clear();
        long started = System.nanoTime();
        Process process = builder.start();
        BoundedCapture out = new BoundedCapture(process.getInputStream(), maxOutputBytes);
        BoundedCapture err = new BoundedCapture(process.getErrorStream(), maxOutputBytes);
        Thread outReader = Thread.ofVirtual().start(out);
        Thread errReader = Thread.ofVirtual().start(err);
        Thread writer = Thread.ofVirtual().start(() -> feed(process.getOutputStream(), stdin));
        boolean finished;
        try {
            finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                killTree(process);
                process.waitFor(10, TimeUnit.SECONDS);
            }
            // Once bwrap (and with it the PID namespace) is gone every pipe writer is dead: the readers end.
            outReader.join(Duration.ofSeconds(10));
            errReader.join(Duration.ofSeconds(10));
            writer.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            killTree(process);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the sandbox command ran", e);
        }
        Duration wall = Duration.ofNanos(System.nanoTime() - started);
        return new Outcome(finished ? process.exitValue() : -1, out.bytes(), err.bytes(), out.truncated(),
                err.truncated(), !finished, wall);
    }

    /**
     * bwrap runs with {@code --die-with-parent} and its own PID namespace: killing bwrap kills the
     * namespace's init, and the kernel then kills every process left in it, however deeply forked
     * or detached ({@code setsid}, {@code nohup}, {@code &}). Descendants are killed first anyway so
     * nothing outlives the call even if a future bwrap flag changes that.
     */
    static void killTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static void feed(OutputStream stdin, byte[] bytes) {
        try (stdin) {
            if (bytes != null) {
                stdin.write(bytes);
            }
        } catch (IOException e) {
            // The command exited without reading all of its input: that is its answer.
        }
    }
}
