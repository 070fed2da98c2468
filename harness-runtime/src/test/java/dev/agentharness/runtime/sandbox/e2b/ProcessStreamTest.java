package dev.agentharness.runtime.sandbox.e2b;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** envd's Process/Start stream as bytes on the wire: the envelope codec, the event reader, the streaming UTF-8 decoder. */
class ProcessStreamTest {

    /** One frame, byte by byte: flags, big-endian length, payload. */
    static byte[] frame(int flags, String json) {
        byte[] payload = json.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(flags);
        out.write(payload.length >>> 24);
        out.write(payload.length >>> 16);
        out.write(payload.length >>> 8);
        out.write(payload.length);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    static byte[] concat(byte[]... frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] frame : frames) {
            out.writeBytes(frame);
        }
        return out.toByteArray();
    }

    static String data(String stream, byte[] bytes) {
        return "{\"event\":{\"data\":{\"" + stream + "\":\"" + Base64.getEncoder().encodeToString(bytes) + "\"}}}";
    }

    record Captured(Utf8StreamDecoder stdout, Utf8StreamDecoder stderr, ProcessStream.Outcome outcome) {
    }

    static Captured read(byte[] wire, int maxBytes) throws IOException {
        Utf8StreamDecoder stdout = new Utf8StreamDecoder(maxBytes);
        Utf8StreamDecoder stderr = new Utf8StreamDecoder(maxBytes);
        ProcessStream.Outcome outcome = ProcessStream.read(new ConnectEnvelope.Reader(new ByteArrayInputStream(wire)),
                new ProcessStream.Sink() {
                    @Override
                    public void stdout(byte[] chunk) {
                        stdout.accept(chunk);
                    }

                    @Override
                    public void stderr(byte[] chunk) {
                        stderr.accept(chunk);
                    }
                });
        return new Captured(stdout, stderr, outcome);
    }

    @Test
    void theRequestEnvelopeIsFlagsZeroThenABigEndianLengthThenTheJson() {
        byte[] envelope = ConnectEnvelope.message("{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(new byte[] {0, 0, 0, 0, 7, '{', '"', 'a', '"', ':', '1', '}'}, envelope);
    }

    @Test
    void aSuccessfulRunHasNoExitCodeFieldAndKeepalivesCarryNothing() throws IOException {
        Captured run = read(concat(
                frame(0, "{\"event\":{\"start\":{\"pid\":412}}}"),
                frame(0, "{\"event\":{\"keepalive\":{}}}"),
                frame(0, data("stdout", "total 8\n".getBytes(StandardCharsets.UTF_8))),
                frame(0, "{\"event\":{\"keepalive\":{}}}"),
                frame(0, data("stderr", "warn\n".getBytes(StandardCharsets.UTF_8))),
                frame(0, "{\"event\":{\"end\":{\"exited\":true,\"status\":\"exit status 0\"}}}"),
                frame(2, "{}")), 1024);

        assertEquals(412, run.outcome().pid());
        assertTrue(run.outcome().ended());
        assertEquals(0, run.outcome().exitCode(), "absent exitCode is 0");
        assertTrue(run.outcome().error().isEmpty());
        assertEquals("total 8\n", run.stdout().finish());
        assertEquals("warn\n", run.stderr().finish());
    }

    @Test
    void aNonZeroExitCodeIsReadAndAnUnknownEventKindIsIgnored() throws IOException {
        Captured run = read(concat(
                frame(0, "{\"event\":{\"start\":{\"pid\":1}}}"),
                frame(0, "{\"event\":{\"somethingNew\":{\"x\":1}},\"extra\":true}"),
                frame(0, "{\"event\":{\"end\":{\"exitCode\":2,\"exited\":true,\"status\":\"exit status 2\"}}}"),
                frame(2, "{}")), 1024);
        assertEquals(2, run.outcome().exitCode());
        assertEquals("exit status 2", run.outcome().status());
    }

    @Test
    void aMultiByteCharacterSplitAcrossChunksDecodesWhole() throws IOException {
        byte[] euro = "a€b ü".getBytes(StandardCharsets.UTF_8); // a, E2 82 AC, b, space, C3 BC
        Captured run = read(concat(
                frame(0, data("stdout", java.util.Arrays.copyOfRange(euro, 0, 2))),   // a E2
                frame(0, data("stdout", java.util.Arrays.copyOfRange(euro, 2, 3))),   // 82
                frame(0, data("stdout", java.util.Arrays.copyOfRange(euro, 3, 6))),   // AC b space
                frame(0, data("stdout", java.util.Arrays.copyOfRange(euro, 6, 7))),   // C3
                frame(0, data("stdout", java.util.Arrays.copyOfRange(euro, 7, 8))),   // BC
                frame(0, "{\"event\":{\"end\":{\"exited\":true,\"status\":\"exit status 0\"}}}"),
                frame(2, "{}")), 1024);
        assertEquals("a€b ü", run.stdout().finish());
    }

    @Test
    void anIncompleteSequenceAtTheVeryEndBecomesOneReplacementCharacter() {
        Utf8StreamDecoder decoder = new Utf8StreamDecoder(1024);
        decoder.accept(new byte[] {'x', (byte) 0xe2, (byte) 0x82});
        assertEquals("x\uFFFD", decoder.finish());
    }

    @Test
    void outputBeyondTheCapIsDroppedAndFlagged() {
        Utf8StreamDecoder decoder = new Utf8StreamDecoder(5);
        decoder.accept("hel".getBytes(StandardCharsets.UTF_8));
        decoder.accept("lo world".getBytes(StandardCharsets.UTF_8));
        decoder.accept("more".getBytes(StandardCharsets.UTF_8));
        assertEquals("hello", decoder.finish());
        assertTrue(decoder.truncated());
        Utf8StreamDecoder exact = new Utf8StreamDecoder(5);
        exact.accept("hello".getBytes(StandardCharsets.UTF_8));
        assertFalse(exact.truncated());
    }

    @Test
    void anErrorInTheEndOfStreamFrameIsReported() throws IOException {
        Captured run = read(concat(
                frame(0, "{\"event\":{\"start\":{\"pid\":9}}}"),
                frame(2, "{\"error\":{\"code\":\"deadline_exceeded\",\"message\":\"context deadline exceeded\"},\"metadata\":{}}")), 1024);
        assertFalse(run.outcome().ended());
        assertEquals(new ProcessStream.ConnectError("deadline_exceeded", "context deadline exceeded"), run.outcome().error().orElseThrow());
    }

    @Test
    void aStreamWithoutItsEndOfStreamFrameOrCutInsideAFrameIsAnError() {
        byte[] start = frame(0, "{\"event\":{\"start\":{\"pid\":9}}}");
        IOException noEnd = assertThrows(IOException.class, () -> read(start, 1024));
        assertEquals("the stream ended without an end-of-stream frame", noEnd.getMessage());
        assertThrows(EOFException.class, () -> read(java.util.Arrays.copyOf(start, start.length - 3), 1024));
        assertThrows(EOFException.class, () -> read(new byte[] {0, 0, 0}, 1024));
    }

    @Test
    void aCompressedFrameIsRefusedBecauseNoneWasNegotiated() {
        IOException e = assertThrows(IOException.class, () -> read(frame(1, "xx"), 1024));
        assertTrue(e.getMessage().contains("compressed"));
    }

    @Test
    void anAbsurdFrameLengthIsRefusedBeforeAllocating() {
        byte[] wire = {0, (byte) 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        IOException e = assertThrows(IOException.class, () -> read(wire, 1024));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
    }
}
