package dev.agentharness.runtime.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A server-sent events client over {@code java.net.http}: parses the stream as the SSE standard does (fields until a
 * blank line; comment lines kept) on a thread of its own, so a test takes events as they arrive. {@link #close()}
 * drops the connection the way a client going away does.
 */
public final class SseClient implements AutoCloseable {

    /** One dispatched event; {@code id} is null when the event had no {@code id:} line. */
    public record Event(String id, String event, String data, List<String> comments) {
    }

    private static final Event END = new Event(null, null, null, List.of());

    private final HttpClient client = HttpClient.newHttpClient();
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final StringBuilder raw = new StringBuilder();
    private final HttpResponse<InputStream> response;

    private SseClient(HttpRequest request) {
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Thread.ofVirtual().start(this::read);
    }

    public static SseClient get(URI uri, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET();
        headers.forEach(request::header);
        return new SseClient(request.build());
    }

    public static SseClient post(URI uri, Map<String, String> headers, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(request::header);
        return new SseClient(request.build());
    }

    public HttpResponse<InputStream> response() {
        return response;
    }

    /** The next event (comment-only blocks included), or fails after {@code timeout}; null once the stream ended. */
    public Event next(Duration timeout) throws InterruptedException {
        Event event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (event == null) {
            throw new AssertionError("no event within " + timeout + "; received so far:\n" + raw());
        }
        return event == END ? null : event;
    }

    /** The next event that has data (skipping keep-alive comments); null once the stream ended. */
    public Event nextData(Duration timeout) throws InterruptedException {
        Event event;
        do {
            event = next(timeout);
        } while (event != null && event.data() == null);
        return event;
    }

    /** Every data event up to the end of the stream. */
    public List<Event> dataUntilEnd(Duration timeout) throws InterruptedException {
        List<Event> all = new ArrayList<>();
        for (Event event = nextData(timeout); event != null; event = nextData(timeout)) {
            all.add(event);
        }
        return all;
    }

    public synchronized String raw() {
        return raw.toString();
    }

    @Override
    public void close() {
        client.shutdownNow();
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            String name = null;
            StringBuilder data = null;
            List<String> comments = new ArrayList<>();
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                synchronized (this) {
                    raw.append(line).append('\n');
                }
                if (line.isEmpty()) {
                    if (id != null || name != null || data != null || !comments.isEmpty()) {
                        events.add(new Event(id, name, data == null ? null : data.toString(), List.copyOf(comments)));
                    }
                    id = null;
                    name = null;
                    data = null;
                    comments.clear();
                } else if (line.startsWith(":")) {
                    comments.add(line.substring(1).strip());
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
                    switch (field) {
                        case "id" -> id = value;
                        case "event" -> name = value;
                        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                        default -> {
                        }
                    }
                }
            }
        } catch (IOException e) {
            // the connection was dropped (close()) or reset: the stream is over either way
        } finally {
            events.add(END);
        }
    }
}
