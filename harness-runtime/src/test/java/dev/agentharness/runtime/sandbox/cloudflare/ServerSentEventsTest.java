package dev.agentharness.runtime.sandbox.cloudflare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The event-stream format as the WHATWG spec defines it, and the Worker's streamed file payloads. */
class ServerSentEventsTest {

    static ServerSentEvents events(String text) {
        return new ServerSentEvents(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void eventsDispatchOnBlankLinesJoinDataLinesAndSkipComments() throws IOException {
        ServerSentEvents events = events(": open\n\nevent: stdout\ndata: aGVs\ndata:bG8=\n\n: keepalive\r\n"
                + "event:exit\r\ndata: {\"exit_code\":0}\r\n\r\ndata: no name\rid: 7\r\rdata: unterminated");
        assertEquals(new ServerSentEvents.Event("stdout", "aGVs\nbG8=", null), events.next());
        assertEquals(new ServerSentEvents.Event("exit", "{\"exit_code\":0}", null), events.next());
        assertEquals(new ServerSentEvents.Event("message", "no name", "7"), events.next());
        assertNull(events.next(), "an event without its blank line is dropped at the end of the stream");
    }

    @Test
    void aMultiByteCharacterSplitAcrossReadsArrivesWhole() throws IOException {
        byte[] bytes = "data: ✓\n\n".getBytes(StandardCharsets.UTF_8);
        // One byte per read(), as a slow network would deliver it.
        ServerSentEvents events = new ServerSentEvents(new java.io.InputStream() {
            int i;

            @Override
            public int read() {
                return i < bytes.length ? bytes[i++] & 0xff : -1;
            }
        });
        assertEquals("✓", events.next().data());
    }

    @Test
    void streamedPayloadsAreDecodedAndRawOnesPassThrough() throws IOException {
        String streamed = "data: {\"type\":\"metadata\",\"isBinary\":true}\n\n"
                + "data: {\"type\":\"chunk\",\"data\":\"" + Base64.getEncoder().encodeToString(new byte[] {1, 2}) + "\"}\n\n"
                + "data: {\"type\":\"chunk\",\"data\":\"" + Base64.getEncoder().encodeToString(new byte[] {3}) + "\"}\n\n"
                + "data: {\"type\":\"complete\"}\n\n";
        assertArrayEquals(new byte[] {1, 2, 3}, StreamedPayload.decode(streamed.getBytes(StandardCharsets.UTF_8)));
        String text = "data: {\"type\":\"metadata\",\"isBinary\":false}\n\ndata: {\"type\":\"chunk\",\"data\":\"hé\"}\n\n"
                + "data: {\"type\":\"complete\"}\n\n";
        assertEquals("hé", new String(StreamedPayload.decode(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
        byte[] raw = "data: {not json at all".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(raw, StreamedPayload.decode(raw));
        assertThrows(IOException.class, () -> StreamedPayload.decode(
                "data: {\"type\":\"metadata\",\"isBinary\":false}\n\n".getBytes(StandardCharsets.UTF_8)));
    }

    static byte[] decodeTo(String body) throws IOException {
        java.io.ByteArrayOutputStream target = new java.io.ByteArrayOutputStream();
        StreamedPayload.decodeTo(new java.io.ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), target);
        return target.toByteArray();
    }

    @Test
    void aPersistAnswerIsStreamedIntoTheTargetRawOrDecodedChunkByChunk() throws IOException {
        String streamed = "data: {\"type\":\"metadata\",\"isBinary\":true}\r\n\r\n"
                + ": keep-alive\n\n"
                + "data: {\"type\":\"chunk\",\"data\":\"" + Base64.getEncoder().encodeToString(new byte[] {1, 2}) + "\"}\n\n"
                + "data: {\"type\":\"chunk\",\"data\":\"" + Base64.getEncoder().encodeToString(new byte[] {3}) + "\"}\n\n"
                + "data: {\"type\":\"complete\"}\n\n";
        assertArrayEquals(new byte[] {1, 2, 3}, decodeTo(streamed));
        assertArrayEquals("./\0\0tar bytes".getBytes(StandardCharsets.UTF_8), decodeTo("./\0\0tar bytes"));
        assertArrayEquals(new byte[0], decodeTo(""));
        assertEquals("the Worker's streamed payload ended without its 'complete' event", assertThrows(IOException.class,
                () -> decodeTo("data: {\"type\":\"metadata\",\"isBinary\":true}\n\n")).getMessage());
        assertThrows(IOException.class, () -> decodeTo("data: {\"type\":\"chunk\",\"data\":\"AAE=\"}\n\n"),
                "a chunk before the metadata");
    }

    @Test
    void aTargetThatRefusesBytesStopsTheStreamAndAnEndlessLineIsRefused() {
        String streamed = "data: {\"type\":\"metadata\",\"isBinary\":false}\n\n"
                + "data: {\"type\":\"chunk\",\"data\":\"abc\"}\n\n".repeat(3) + "data: {\"type\":\"complete\"}\n\n";
        java.util.List<String> written = new java.util.ArrayList<>();
        java.io.OutputStream refusesTheSecond = new java.io.OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (!written.isEmpty()) {
                    throw new IOException("full");
                }
                written.add(new String(b, off, len, StandardCharsets.UTF_8));
            }
        };
        assertEquals("full", assertThrows(IOException.class, () -> StreamedPayload.decodeTo(
                new java.io.ByteArrayInputStream(streamed.getBytes(StandardCharsets.UTF_8)), refusesTheSecond)).getMessage());
        assertEquals(java.util.List.of("abc"), written);

        ServerSentEvents endless = new ServerSentEvents(new java.io.ByteArrayInputStream(
                ("data: " + "x".repeat(2000)).getBytes(StandardCharsets.UTF_8)), 1000);
        assertEquals("a server-sent event line is longer than 1000 bytes",
                assertThrows(IOException.class, endless::next).getMessage());
    }
}
