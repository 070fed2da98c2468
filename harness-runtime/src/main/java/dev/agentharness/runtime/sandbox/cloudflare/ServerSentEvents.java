package dev.agentharness.runtime.sandbox.cloudflare;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a {@code text/event-stream} (the WHATWG server-sent events format) one event at a time:
 * lines end in CRLF, LF or CR; {@code :} starts a comment (keep-alives); {@code data:} lines of one
 * event are joined with LF; a blank line dispatches; a field's single leading space is dropped.
 * Hand-written because the JDK has no SSE client and the format is one page long; lines are split
 * on bytes, so a multi-byte UTF-8 character split across network chunks arrives whole.
 */
final class ServerSentEvents {

    /** One dispatched event; {@code event} is "message" when the stream named none. */
    record Event(String event, String data, String id) {
    }

    /** Longer lines than this are refused: a stream must not fill the heap through one endless line. */
    static final int DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;

    private final InputStream in;
    private final int maxLineBytes;
    private int pushedBack = -1;

    ServerSentEvents(InputStream in) {
        this(in, DEFAULT_MAX_LINE_BYTES);
    }

    ServerSentEvents(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /** The next event, or null at the end of the stream (an unterminated last event is dropped, as the spec says). */
    Event next() throws IOException {
        String event = null;
        String id = null;
        List<String> data = new ArrayList<>();
        boolean any = false;
        while (true) {
            String line = readLine();
            if (line == null) {
                return null;
            }
            if (line.isEmpty()) {
                if (!any) {
                    continue;
                }
                return new Event(event == null || event.isEmpty() ? "message" : event, String.join("\n", data), id);
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "event" -> {
                    event = value;
                    any = true;
                }
                case "data" -> {
                    data.add(value);
                    any = true;
                }
                case "id" -> {
                    if (value.indexOf('\0') < 0) {
                        id = value;
                    }
                }
                default -> {
                    // "retry" and unknown fields: nothing to do for a one-shot stream.
                }
            }
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b = pushedBack >= 0 ? pushedBack : in.read();
        pushedBack = -1;
        if (b < 0) {
            return null;
        }
        while (b >= 0) {
            if (b == '\n') {
                break;
            }
            if (b == '\r') {
                int following = in.read();
                if (following != '\n' && following >= 0) {
                    pushedBack = following;
                }
                break;
            }
            if (line.size() >= maxLineBytes) {
                throw new IOException("a server-sent event line is longer than " + maxLineBytes + " bytes");
            }
            line.write(b);
            b = in.read();
        }
        return line.toString(StandardCharsets.UTF_8);
    }
}
