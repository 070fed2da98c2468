package dev.agentharness.runtime.sandbox.e2b;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The Connect protocol's streaming envelope, hand-written because it is five bytes: a flags byte
 * ({@code 0x00} message, {@code 0x01} compressed, {@code 0x02} end of stream), a big-endian
 * uint32 payload length, then the payload (here always JSON). A server-streaming request carries
 * exactly one such envelope; the response is a sequence of them ending with an end-of-stream one.
 */
public final class ConnectEnvelope {

    public static final int MESSAGE = 0x00;
    public static final int COMPRESSED = 0x01;
    public static final int END_STREAM = 0x02;
    /** envd's data chunks are a few KiB; anything near this is a broken or hostile stream. */
    static final int MAX_PAYLOAD = 16 * 1024 * 1024;

    public record Frame(int flags, byte[] payload) {

        public boolean endOfStream() {
            return (flags & END_STREAM) != 0;
        }
    }

    private ConnectEnvelope() {
    }

    /** One uncompressed message envelope around {@code payload}. */
    public static byte[] message(byte[] payload) {
        return ByteBuffer.allocate(5 + payload.length).put((byte) MESSAGE).putInt(payload.length).put(payload).array();
    }

    /** Reads envelopes one at a time from a streaming response body. */
    public static final class Reader {

        private final InputStream in;

        public Reader(InputStream in) {
            this.in = in;
        }

        /** The next frame, or empty at a clean end of the body (between frames). */
        public Optional<Frame> next() throws IOException {
            int flags = in.read();
            if (flags < 0) {
                return Optional.empty();
            }
            byte[] header = in.readNBytes(4);
            if (header.length < 4) {
                throw new EOFException("the stream ended inside an envelope header");
            }
            long length = ByteBuffer.wrap(header).getInt() & 0xffffffffL;
            if (length > MAX_PAYLOAD) {
                throw new IOException("envelope of " + length + " bytes exceeds the " + MAX_PAYLOAD + "-byte limit");
            }
            byte[] payload = in.readNBytes((int) length);
            if (payload.length < length) {
                throw new EOFException("the stream ended inside an envelope (" + payload.length + " of " + length + " bytes)");
            }
            return Optional.of(new Frame(flags, payload));
        }
    }
}
