package dev.agentharness.runtime.sandbox.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Drains a process stream to its end but keeps at most {@code limit} bytes: a command that prints
 * gigabytes must neither block on a full pipe nor fill the harness's heap.
 */
final class BoundedCapture extends OutputStream {

    private final int limit;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private volatile boolean truncated;

    BoundedCapture(int limit) {
        this.limit = limit;
    }

    /** Reads {@code in} to its end, keeping what fits. */
    void drain(InputStream in) {
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                write(buffer, 0, n);
            }
        } catch (IOException e) {
            // The process was killed and its pipe closed under us: what was read is the output.
        }
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    /** Never refuses: bytes beyond the limit are dropped and flagged. */
    @Override
    public void write(byte[] bytes, int offset, int length) {
        synchronized (kept) {
            int room = limit - kept.size();
            if (length > room) {
                truncated = true;
            }
            if (room > 0) {
                kept.write(bytes, offset, Math.min(length, room));
            }
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
