package dev.agentharness.runtime.sandbox;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Exactly {@code length} bytes of a snapshot: reads end there even if the source has more, and a
 * source that ends early is an error, so a restore never extracts a cut archive silently.
 */
public final class SnapshotInput extends FilterInputStream {

    private long left;

    public SnapshotInput(InputStream source, long length) {
        super(source);
        this.left = length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (left == 0) {
            return -1;
        }
        int n = super.read(buffer, offset, (int) Math.min(length, left));
        if (n < 0) {
            throw new IOException("the snapshot ended " + left + " bytes early");
        }
        left -= n;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(Math.min(n, left));
        left -= skipped;
        return skipped;
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(super.available(), left);
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
