package dev.agentharness.runtime.sandbox.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Drains a process stream to its end but keeps at most {@code limit} bytes: a command that prints
 * gigabytes must neither block on a full pipe nor fill the harness's heap.
 */
final class BoundedCapture implements Runnable {

    private final InputStream in;
    private final int limit;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private volatile boolean truncated;

    BoundedCapture(InputStream in, int limit) {
        this.in = in;
        this.limit = limit;
    }

    @Override
    public void run() {
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                synchronized (kept) {
                    int room = limit - kept.size();
                    if (n > room) {
                        truncated = true;
                    }
                    if (room > 0) {
                        kept.write(buffer, 0, Math.min(n, room));
                    }
                }
            }
        } catch (IOException e) {
            // The process was killed and its pipe closed under us: what was read is the output.
        }
    }

    byte[] bytes() {
        synchronized (kept) {
            return kept.toByteArray();
        }
    }

    boolean truncated() {
        return truncated;
    }
}
