package dev.agentharness.runtime.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** The few HTTP calls the process-level tests make against a {@link HarnessProcess}, with explicit timeouts. */
public final class HarnessHttp {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;

    public HarnessHttp(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** {@code POST /runs} with {@code Prefer: respond-async}. */
    public HttpResponse<String> submitAsync(String message) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/runs")).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").header("Prefer", "respond-async")
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"" + message + "\"}")).build());
    }

    /** {@code POST /runs} of a full request body (agent, manifest, …) with {@code Prefer: respond-async}. */
    public HttpResponse<String> submitBodyAsync(String requestJson) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/runs")).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").header("Prefer", "respond-async")
                .POST(HttpRequest.BodyPublishers.ofString(requestJson)).build());
    }

    public HttpResponse<String> get(String path, Duration timeout) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout).GET().build());
    }

    /** {@code GET /runs/{id}}; throws unless 200 (a 503 problem during an outage is not a run). */
    public JsonNode run(String runId) {
        HttpResponse<String> response = get("/runs/" + runId, Duration.ofSeconds(30));
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET /runs/" + runId + " answered " + response.statusCode());
        }
        return json(response.body());
    }

    /** Polls until every run is terminal (or the timeout passes); returns the last view of each run. */
    public Map<String, JsonNode> awaitTerminal(Collection<String> runIds, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        Map<String, JsonNode> last = new LinkedHashMap<>();
        while (true) {
            boolean allDone = true;
            for (String id : runIds) {
                JsonNode run = last.get(id);
                if (run == null || !terminal(run)) {
                    try {
                        run = run(id);
                        last.put(id, run);
                    } catch (RuntimeException notNow) {
                        allDone = false;
                        continue;
                    }
                }
                allDone &= terminal(run);
            }
            if (allDone || Instant.now().isAfter(deadline)) {
                return last;
            }
            Thread.sleep(250);
        }
    }

    public static boolean terminal(JsonNode run) {
        return java.util.Set.of("succeeded", "failed", "cancelled", "timed_out").contains(run.path("status").asText());
    }

    public static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + body, e);
        }
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
