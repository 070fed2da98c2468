package dev.agentharness.operator.agentrun;

import java.nio.charset.StandardCharsets;

/**
 * A reply cut to fit a CR status: at most {@code maxBytes} of UTF-8, never splitting a character
 * (a surrogate pair stays whole or goes whole).
 */
public record BoundedReply(String text, boolean truncated) {

    public static BoundedReply of(String reply, int maxBytes) {
        if (reply == null) {
            return new BoundedReply(null, false);
        }
        if (reply.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
            return new BoundedReply(reply, false);
        }
        int bytes = 0;
        int end = 0;
        while (end < reply.length()) {
            int codePoint = reply.codePointAt(end);
            int size = utf8Length(codePoint);
            if (bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            end += Character.charCount(codePoint);
        }
        return new BoundedReply(reply.substring(0, end), true);
    }

    private static int utf8Length(int codePoint) {
        if (codePoint < 0x80) {
            return 1;
        }
        if (codePoint < 0x800) {
            return 2;
        }
        if (codePoint < 0x10000) {
            return 3; // a lone surrogate is encoded as one '?': counting 3 can only cut a little early
        }
        return 4;
    }
}
