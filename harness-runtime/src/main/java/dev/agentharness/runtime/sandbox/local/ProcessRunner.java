package dev.agentharness.runtime.sandbox.local;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

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
        BoundedCapture out = new BoundedCapture(maxOutputBytes);
        Streamed streamed = stream(argv, stdin == null ? null : new ByteArrayInputStream(stdin), out, timeout, maxOutputBytes);
        return new Outcome(streamed.exitCode(), out.bytes(), streamed.stderr(), out.truncated(), streamed.stderrTruncated(),
                streamed.timedOut(), streamed.wallTime());
    }

    /** What a command whose stdout went to a caller's stream did; {@code sinkFailed}: that stream refused bytes. */
    record Streamed(int exitCode, byte[] stderr, boolean stderrTruncated, boolean timedOut, boolean sinkFailed,
                    Duration wallTime) {
    }

    /**
     * Runs a command with stdin read from {@code stdin} (none when null) and stdout copied into
     * {@code stdout} as it comes, so neither is ever held in memory. When {@code stdout} throws
     * (it takes no more bytes) the command is killed.
     */
    static Streamed stream(List<String> argv, InputStream stdin, OutputStream stdout, Duration timeout, int maxStderrBytes)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(argv);
        builder.environment().clear();
        long started = System.nanoTime();
        Process process = builder.start();
        AtomicBoolean sinkFailed = new AtomicBoolean();
        BoundedCapture err = new BoundedCapture(maxStderrBytes);
        Thread outReader = Thread.ofVirtual().start(() -> pump(process, stdout, sinkFailed));
        Thread errReader = Thread.ofVirtual().start(() -> err.drain(process.getErrorStream()));
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
        return new Streamed(finished ? process.exitValue() : -1, err.bytes(), err.truncated(), !finished, sinkFailed.get(),
                wall);
    }

    private static void pump(Process process, OutputStream sink, AtomicBoolean sinkFailed) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = process.getInputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                try {
                    sink.write(buffer, 0, n);
                } catch (IOException refused) {
                    sinkFailed.set(true);
                    killTree(process);
                    return;
                }
            }
        } catch (IOException e) {
            // The process was killed and its pipe closed under us: what was read is the output.
        }
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

    private static void feed(OutputStream stdin, InputStream source) {
        try (stdin) {
            if (source != null) {
                source.transferTo(stdin);
            }
        } catch (IOException e) {
            // The command exited without reading all of its input: that is its answer.
        }
    }
}
