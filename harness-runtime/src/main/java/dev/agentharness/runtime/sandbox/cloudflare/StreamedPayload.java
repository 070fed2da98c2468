package dev.agentharness.runtime.sandbox.cloudflare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The Worker may answer {@code GET file/…} and {@code POST persist} with the Sandbox SDK's streamed
 * form instead of raw bytes: server-sent {@code message} events carrying
 * {@code {"type":"metadata","isBinary":b}}, then {@code {"type":"chunk","data":…}} (base64 when
 * binary) and finally {@code {"type":"complete"}}. The Agents SDK accepts both; so does this.
 */
final class StreamedPayload {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PREFIX = "data: {".getBytes(StandardCharsets.US_ASCII);

    private StreamedPayload() {
    }

    /** The payload's bytes: decoded when it is the streamed form, as given otherwise. */
    static byte[] decode(byte[] body) throws IOException {
        if (!startsWithPrefix(body)) {
            return body;
        }
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        try {
            return copyEvents(new ByteArrayInputStream(body), content) ? content.toByteArray() : body;
        } catch (IncompletePayload incomplete) {
            throw incomplete;
        } catch (IOException notStreamed) {
            // A file that merely starts with "data: {" is returned as it is, like the Agents SDK does.
            return body;
        }
    }

    /**
     * Streams a {@code POST persist} answer into {@code target}, decoding the streamed form chunk by
     * chunk. A tar never starts with {@code data: {} (its first name is {@code ./}), so an answer
     * that does is the streamed form, and a malformed one is an error rather than a payload.
     */
    static void decodeTo(InputStream body, OutputStream target) throws IOException {
        BufferedInputStream in = new BufferedInputStream(body, 64 * 1024);
        in.mark(PREFIX.length);
        byte[] head = in.readNBytes(PREFIX.length);
        in.reset();
        if (!startsWithPrefix(head)) {
            in.transferTo(target);
            return;
        }
        copyEvents(in, target);
    }

    /**
     * Writes the chunks of the streamed form to {@code target} up to its {@code complete} event; answers whether a
     * {@code metadata} event came first (without one, the events were not the streamed form). A payload whose
     * metadata came but whose {@code complete} never did is an {@link IncompletePayload}.
     */
    private static boolean copyEvents(InputStream in, OutputStream target) throws IOException {
        ServerSentEvents events = new ServerSentEvents(in);
        boolean binary = false;
        boolean metadata = false;
        ServerSentEvents.Event event;
        try {
            while ((event = events.next()) != null) {
                if (!event.event().equals("message") || event.data().isEmpty()) {
                    continue;
                }
                JsonNode message = JSON.readTree(event.data());
                switch (message.path("type").asText()) {
                    case "metadata" -> {
                        binary = message.path("isBinary").asBoolean(false);
                        metadata = true;
                    }
                    case "chunk" -> {
                        if (!metadata) {
                            throw new IOException("the Worker's streamed payload sent a chunk before its metadata");
                        }
                        String data = message.path("data").asText("");
                        target.write(binary ? Base64.getDecoder().decode(data) : data.getBytes(StandardCharsets.UTF_8));
                    }
                    case "complete" -> {
                        return metadata;
                    }
                    default -> {
                    }
                }
            }
        } catch (IllegalArgumentException notBase64) {
            throw new IOException("the Worker's streamed payload carried a chunk that is not base64");
        }
        String ended = "the Worker's streamed payload ended without its 'complete' event";
        throw metadata ? new IncompletePayload(ended) : new IOException(ended);
    }

    /** The streamed form, begun with its metadata, that ended before its {@code complete} event. */
    private static final class IncompletePayload extends IOException {
        IncompletePayload(String message) {
            super(message);
        }
    }

    private static boolean startsWithPrefix(byte[] body) {
        if (body.length < PREFIX.length) {
            return false;
        }
        for (int i = 0; i < PREFIX.length; i++) {
            if (body[i] != PREFIX[i]) {
                return false;
            }
        }
        return true;
    }
}
