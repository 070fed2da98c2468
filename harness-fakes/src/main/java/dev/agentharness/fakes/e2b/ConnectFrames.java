package dev.agentharness.fakes.e2b;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The Connect protocol's envelope as envd writes it: one flags byte ({@code 0x00} message,
 * {@code 0x02} end of stream), a big-endian uint32 length, then that many bytes of JSON.
 * The fake's own copy, written from the protocol text, so the fake and the harness's client do not
 * share (and hide) one bug.
 */
public final class ConnectFrames {

    public static final int MESSAGE = 0x00;
    public static final int COMPRESSED = 0x01;
    public static final int END_STREAM = 0x02;

    public record Frame(int flags, byte[] payload) {
    }

    private ConnectFrames() {
    }

    public static byte[] frame(int flags, byte[] payload) {
        return ByteBuffer.allocate(5 + payload.length).put((byte) flags).putInt(payload.length).put(payload).array();
    }

    /** Writes and flushes one frame, so a streaming reader sees it now. */
    public static void write(OutputStream out, int flags, byte[] payload) throws IOException {
        out.write(frame(flags, payload));
        out.flush();
    }

    /** Splits a complete body into frames; a truncated frame is an error. */
    public static List<Frame> parse(byte[] body) {
        List<Frame> frames = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.wrap(body);
        while (buffer.hasRemaining()) {
            if (buffer.remaining() < 5) {
                throw new IllegalArgumentException("truncated envelope header (" + buffer.remaining() + " bytes)");
            }
            int flags = buffer.get() & 0xff;
            long length = buffer.getInt() & 0xffffffffL;
            if (length > buffer.remaining()) {
                throw new IllegalArgumentException("envelope declares " + length + " bytes, " + buffer.remaining() + " follow");
            }
            byte[] payload = new byte[(int) length];
            buffer.get(payload);
            frames.add(new Frame(flags, payload));
        }
        return frames;
    }
}
