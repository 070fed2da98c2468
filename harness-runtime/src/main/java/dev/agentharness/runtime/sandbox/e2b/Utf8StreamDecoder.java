package dev.agentharness.runtime.sandbox.e2b;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes one output stream (stdout or stderr) chunk by chunk. envd cuts output wherever its read
 * buffer ends, so a multi-byte UTF-8 character can straddle two chunks: the incomplete tail of a
 * chunk is kept and completed by the next one instead of becoming two replacement characters.
 * Keeps at most {@code maxBytes} of input; the rest is counted and dropped ({@link #truncated()}).
 */
final class Utf8StreamDecoder {

    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final int maxBytes;
    private final StringBuilder text = new StringBuilder();
    private ByteBuffer pending = ByteBuffer.allocate(0);
    private long kept;
    private boolean truncated;
    private boolean finished;

    Utf8StreamDecoder(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    void accept(byte[] chunk) {
        if (finished) {
            throw new IllegalStateException("decoder already finished");
        }
        long room = maxBytes - kept;
        int take = (int) Math.min(room, chunk.length);
        if (take < chunk.length) {
            truncated = true;
        }
        if (take <= 0) {
            return;
        }
        kept += take;
        ByteBuffer in = ByteBuffer.allocate(pending.remaining() + take);
        in.put(pending).put(chunk, 0, take).flip();
        decode(in, false);
        pending = in.slice();
    }

    /** The decoded text; an incomplete sequence left at the very end becomes U+FFFD. */
    String finish() {
        if (!finished) {
            finished = true;
            decode(pending, true);
            CharBuffer out = CharBuffer.allocate(16);
            decoder.flush(out);
            text.append(out.flip());
        }
        return text.toString();
    }

    boolean truncated() {
        return truncated;
    }

    private void decode(ByteBuffer in, boolean endOfInput) {
        CharBuffer out = CharBuffer.allocate(Math.max(16, in.remaining() + 4));
        decoder.decode(in, out, endOfInput);
        text.append(out.flip());
    }
}
