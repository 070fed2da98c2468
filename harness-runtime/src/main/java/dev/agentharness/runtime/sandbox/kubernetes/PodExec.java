package dev.agentharness.runtime.sandbox.kubernetes;

import dev.agentharness.runtime.sandbox.SandboxException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ContainerResource;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.TtyExecOutputErrorable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one command in a sandbox Pod through the API server's exec endpoint (fabric8's
 * {@code ExecWatch} over the {@code v4.channel.k8s.io} WebSocket: channel 1 stdout, 2 stderr,
 * 3 the final {@code Status}). Input, when given, is exactly {@code stdin.length} bytes that the
 * command reads with {@code head -c}: the v4 protocol cannot signal end-of-input, so a command
 * must never wait for EOF. A command still running at its timeout is abandoned and every process
 * in the container except its PID 1 is killed, so nothing it started keeps running.
 */
final class PodExec {

    /**
     * @param exitCode -1 when the Status carried none, {@code 124} when timed out
     */
    record Outcome(int exitCode, byte[] stdout, byte[] stderr, boolean stdoutTruncated, boolean stderrTruncated,
                   boolean timedOut, Duration wallTime) {
    }

    /** Kills everything in the container but PID 1 (the sleeping entrypoint) and this script's own shell. */
    static final List<String> KILL_ALL = List.of("/bin/sh", "-c",
            "for p in /proc/[0-9]*; do n=${p#/proc/}; [ \"$n\" = 1 ] || [ \"$n\" = $$ ] || kill -9 \"$n\" 2>/dev/null; done; exit 0");
    /** After the exit status, how long the last output may take to be written out. */
    private static final Duration DRAIN = Duration.ofSeconds(5);

    private final KubernetesClient client;
    private final String namespace;

    PodExec(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    Outcome run(String pod, List<String> argv, byte[] stdin, Duration timeout, int maxOutputBytes) throws SandboxException {
        Bounded out = new Bounded(maxOutputBytes);
        Bounded err = new Bounded(maxOutputBytes);
        Ran ran = exec(pod, argv, stdin == null ? null : new ByteArrayInputStream(stdin), stdin == null ? 0 : stdin.length,
                out, err, timeout);
        return new Outcome(ran.exitCode(), out.bytes(), err.bytes(), out.truncated(), err.truncated(), ran.timedOut(),
                ran.wallTime());
    }

    /**
     * How a streamed command ended; {@code sinkRefused}: {@code stdout} stopped taking bytes (the
     * rest of the output was dropped).
     */
    record Streamed(int exitCode, byte[] stderr, boolean timedOut, boolean sinkRefused) {
    }

    /**
     * Runs a command whose stdin is exactly {@code stdinLength} bytes of {@code stdin} (none when
     * null) and whose stdout is copied into {@code stdout} as it arrives: a snapshot's archive is
     * never held in memory. {@code stdout} may refuse bytes (throw); the rest is then dropped.
     */
    Streamed stream(String pod, List<String> argv, InputStream stdin, long stdinLength, OutputStream stdout,
                    Duration timeout, int maxStderrBytes) throws SandboxException {
        Refusable out = new Refusable(stdout);
        Bounded err = new Bounded(maxStderrBytes);
        Ran ran = exec(pod, argv, stdin, stdinLength, out, err, timeout);
        return new Streamed(ran.exitCode(), err.bytes(), ran.timedOut(), out.refused());
    }

    private record Ran(int exitCode, boolean timedOut, Duration wallTime) {
    }

    private Ran exec(String pod, List<String> argv, InputStream stdin, long stdinLength, OutputStream out,
                     OutputStream err, Duration timeout) throws SandboxException {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        ExecListener listener = new ExecListener() {
            @Override
            public void onClose(int code, String reason) {
                closed.complete(null);
            }

            @Override
            public void onFailure(Throwable t, Response failureResponse) {
                closed.complete(null);
            }
        };
        long started = System.nanoTime();
        ContainerResource container = client.pods().inNamespace(namespace).withName(pod).inContainer(SandboxPodFactory.CONTAINER);
        TtyExecOutputErrorable input = stdin == null ? container : container.redirectingInput();
        ExecWatch watch;
        try {
            watch = input.writingOutput(out).writingError(err).usingListener(listener).exec(argv.toArray(String[]::new));
        } catch (KubernetesClientException e) {
            throw refused(pod, e);
        }
        try (watch) {
            if (stdin != null && stdinLength > 0) {
                OutputStream in = watch.getInput();
                copyExactly(stdin, stdinLength, in);
                in.flush();
            }
            Integer exit = watch.exitCode().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            // Output is written on fabric8's serial executor; the close callback comes after the last write.
            closed.get(DRAIN.toMillis(), TimeUnit.MILLISECONDS);
            if (exit == null) {
                throw new SandboxException("the exec stream of sandbox " + pod + " closed without an exit status");
            }
            return new Ran(exit, false, since(started));
        } catch (TimeoutException e) {
            Integer exit = watch.exitCode().getNow(null);
            if (exit != null) {
                // The status came but the stream did not close in time: the output so far is the output.
                return new Ran(exit, false, since(started));
            }
            // No status in time — also when the future completed without one just as the wait ran out (seen in CI):
            // that is a timeout, not an exit code of -1.
            killAll(pod);
            return new Ran(dev.agentharness.runtime.sandbox.ExecResult.TIMED_OUT_EXIT_CODE, true, since(started));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof KubernetesClientException k) {
                throw refused(pod, k);
            }
            throw new SandboxException("the exec stream of sandbox " + pod + " failed ("
                    + (cause == null ? "unknown" : cause.getClass().getSimpleName()) + ")");
        } catch (IOException | KubernetesClientException e) {
            throw new SandboxException("could not send input to sandbox " + pod + " (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killAll(pod);
            throw new SandboxException("interrupted while the command ran");
        }
    }

    /** v4 cannot half-close stdin: the command reads exactly this many bytes ({@code head -c}). */
    private static void copyExactly(InputStream source, long length, OutputStream target) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long left = length;
        while (left > 0) {
            int n = source.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException("the input ended " + left + " bytes early");
            }
            target.write(buffer, 0, n);
            left -= n;
        }
    }

    private void killAll(String pod) {
        try {
            run(pod, KILL_ALL, null, Duration.ofSeconds(10), 1024);
        } catch (SandboxException e) {
            // The Pod may be gone already; nothing then runs in it.
        }
    }

    private static SandboxException refused(String pod, KubernetesClientException e) {
        if (e.getCode() == 404) {
            return new SandboxException("sandbox " + pod + " is gone");
        }
        return new SandboxException("the Kubernetes API server refused exec in sandbox " + pod
                + (e.getCode() > 0 ? " (HTTP " + e.getCode() + ")" : " (" + e.getClass().getSimpleName() + ")"));
    }

    private static Duration since(long started) {
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /** Passes bytes on until the target refuses one; never throws into fabric8's output executor. */
    static final class Refusable extends OutputStream {
        private final OutputStream target;
        private volatile boolean refused;

        Refusable(OutputStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            if (refused) {
                return;
            }
            try {
                target.write(bytes, offset, length);
            } catch (IOException e) {
                refused = true;
            }
        }

        boolean refused() {
            return refused;
        }
    }

    /** Keeps at most {@code limit} bytes of a stream and remembers whether more came. */
    static final class Bounded extends OutputStream {
        private final int limit;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private volatile boolean truncated;

        Bounded(int limit) {
            this.limit = limit;
        }

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            int room = limit - kept.size();
            if (length > room) {
                truncated = true;
            }
            kept.write(bytes, offset, Math.max(0, Math.min(room, length)));
        }

        synchronized byte[] bytes() {
            return kept.toByteArray();
        }

        boolean truncated() {
            return truncated;
        }
    }
}
