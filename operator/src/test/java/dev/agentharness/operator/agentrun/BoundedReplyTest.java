package dev.agentharness.operator.agentrun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BoundedReplyTest {

    @Test
    void aShortReplyIsKeptWhole() {
        BoundedReply reply = BoundedReply.of("hello", 4096);
        assertEquals("hello", reply.text());
        assertFalse(reply.truncated());
        assertNull(BoundedReply.of(null, 10).text());
    }

    @Test
    void exactlyAtTheLimitIsNotTruncated() {
        assertFalse(BoundedReply.of("x".repeat(4096), 4096).truncated());
        assertTrue(BoundedReply.of("x".repeat(4097), 4096).truncated());
    }

    @Test
    void multiByteCharactersAreNeverSplit() {
        // 'é' is 2 bytes, '€' 3, '🙂' 4 (a surrogate pair in Java)
        for (String unit : new String[] {"é", "€", "🙂"}) {
            for (int limit = 1; limit <= 12; limit++) {
                BoundedReply reply = BoundedReply.of(unit.repeat(10), limit);
                int bytes = reply.text().getBytes(StandardCharsets.UTF_8).length;
                int unitBytes = unit.getBytes(StandardCharsets.UTF_8).length;
                assertTrue(bytes <= limit);
                assertEquals(limit / unitBytes * unitBytes, bytes, unit + " at " + limit);
                assertEquals(reply.text(), new String(reply.text().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
            }
        }
    }
}
