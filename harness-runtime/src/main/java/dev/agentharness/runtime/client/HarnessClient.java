package dev.agentharness.runtime.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.agentharness.api.HarnessApi;
import dev.agentharness.api.RunRequest;
import dev.agentharness.api.RunResponse;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.api.SessionResponse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;

/**
 * A plain client of the harness API (java.net.http + Jackson, the harness-api records) for the command line and
 * the eval runner. The API key goes in the {@code Authorization} header only; no message of this class contains it.
 * Errors: {@link HarnessApiException} (the harness answered 4xx/5xx: its problem+json title and detail),
 * {@link HarnessUnreachableException} (no answer).
 */
public final class HarnessClient {

    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final String apiKey;
    private final HttpClient http;

    /** @param apiKey the harness API key, or {@code null} for a harness without keys (loopback dev mode) */
    public HarnessClient(URI base, String apiKey) {
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    public URI base() {
        return base;
    }

    public static ObjectMapper json() {
        return JSON;
    }

    /** {@code GET /health}: only checks that the harness answers (any status). */
    public void ping() throws HarnessUnreachableException {
        try {
            http.send(request("/health").GET().timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HarnessUnreachableException("interrupted", e);
        }
    }

    /** {@code POST /runs} with {@code Prefer: respond-async}: the run as queued (202). */
    public RunResponse submit(RunRequest request, String idempotencyKey)
            throws HarnessApiException, HarnessUnreachableException {
        HttpRequest.Builder builder = request("/runs").header("Content-Type", "application/json")
                .header(HarnessApi.PREFER, HarnessApi.RESPOND_ASYNC).POST(HttpRequest.BodyPublishers.ofString(write(request)));
        if (idempotencyKey != null) {
            builder.header(HarnessApi.IDEMPOTENCY_KEY, idempotencyKey);
        }
        return read(send(builder.build()), RunResponse.class);
    }

    public RunResponse run(String runId) throws HarnessApiException, HarnessUnreachableException {
        return read(send(request("/runs/" + segment(runId)).GET().build()), RunResponse.class);
    }

    /** {@code GET /runs/{id}} as the harness wrote it (every field, also ones these records do not know). */
    public JsonNode runJson(String runId) throws HarnessApiException, HarnessUnreachableException {
        return read(send(request("/runs/" + segment(runId)).GET().build()), JsonNode.class);
    }

    public RunResponse cancel(String runId) throws HarnessApiException, HarnessUnreachableException {
        return read(send(request("/runs/" + segment(runId) + "/cancel").POST(HttpRequest.BodyPublishers.noBody())
                .build()), RunResponse.class);
    }

    public RunTranscript transcript(String runId) throws HarnessApiException, HarnessUnreachableException {
        return read(send(request("/runs/" + segment(runId) + "/transcript").GET().build()), RunTranscript.class);
    }

    public SessionResponse session(String sessionId) throws HarnessApiException, HarnessUnreachableException {
        return read(send(request("/sessions/" + segment(sessionId)).GET().build()), SessionResponse.class);
    }

    /**
     * Polls {@code GET /runs/{id}} until the run is terminal, backing off from 100 ms to 2 s.
     *
     * @throws HarnessApiException 408-like ({@code status 0}) when {@code timeout} passes first
     */
    public RunResponse awaitTerminal(String runId, Duration timeout)
            throws HarnessApiException, HarnessUnreachableException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        Duration pause = Duration.ofMillis(100);
        while (true) {
            RunResponse run = run(runId);
            if (run.status() != null && run.status().terminal()) {
                return run;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new HarnessApiException(0, "timed out", "run " + runId + " is still " + run.status().wire()
                        + " after " + timeout.toSeconds() + " s");
            }
            Thread.sleep(pause);
            pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(2)) > 0 ? Duration.ofSeconds(2)
                    : pause.multipliedBy(2);
        }
    }

    /** One server-sent event: {@code id} (the journal step, may be null), {@code event} (the kind), {@code data}. */
    public record Event(String id, String event, String data) {
    }

    /**
     * Reads {@code GET /runs/{id}/events} from after step {@code after} and hands each event to {@code sink} until the
     * stream ends (the run ended and everything was sent) or {@code sink} answers {@code false}.
     */
    public void events(String runId, int after, Predicate<Event> sink)
            throws HarnessApiException, HarnessUnreachableException {
        HttpRequest request = request("/runs/" + segment(runId) + "/events?after=" + after)
                .header("Accept", "text/event-stream").timeout(Duration.ofDays(1)).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HarnessUnreachableException("interrupted", e);
        }
        try (InputStream body = response.body();
             BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            if (response.statusCode() >= 300) {
                throw problem(response.statusCode(), new String(body.readAllBytes(), StandardCharsets.UTF_8));
            }
            String id = null;
            String name = null;
            StringBuilder data = null;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.isEmpty()) {
                    if (data != null && !sink.test(new Event(id, name, data.toString()))) {
                        return;
                    }
                    id = null;
                    name = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    continue; // a keep-alive comment
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    value = value.startsWith(" ") ? value.substring(1) : value;
                    switch (field) {
                        case "id" -> id = value;
                        case "event" -> name = value;
                        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                        default -> { }
                    }
                }
            }
            if (data != null) {
                sink.test(new Event(id, name, data.toString()));
            }
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json");
        if (apiKey != null) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        return builder;
    }

    private HttpResponse<String> send(HttpRequest request) throws HarnessUnreachableException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HarnessUnreachableException("interrupted", e);
        }
    }

    private HarnessUnreachableException unreachable(IOException e) {
        return new HarnessUnreachableException("harness at " + base + " unreachable: "
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
    }

    private static <T> T read(HttpResponse<String> response, Class<T> type) throws HarnessApiException {
        if (response.statusCode() >= 300) {
            throw problem(response.statusCode(), response.body());
        }
        try {
            return JSON.readValue(response.body(), type);
        } catch (IOException e) {
            throw new HarnessApiException(response.statusCode(), "unexpected answer",
                    "not the JSON expected from the harness: " + e.getMessage());
        }
    }

    /** problem+json → its title and detail; anything else → the status alone (the body may be a proxy's page). */
    static HarnessApiException problem(int status, String body) {
        try {
            JsonNode problem = JSON.readTree(body);
            if (problem != null && problem.hasNonNull("title")) {
                return new HarnessApiException(status, problem.get("title").asText(),
                        problem.path("detail").asText(null));
            }
        } catch (IOException notJson) {
            // fall through
        }
        return new HarnessApiException(status, "HTTP " + status, null);
    }

    private static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
