package dev.agentharness.runtime.sandbox.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;

/**
 * E2B's REST control plane ({@code openapi.yml}): create, get, list, kill, pause, connect. Every
 * call carries {@code X-API-Key}. Transient answers (429, 502, 503, 504) and refused connections
 * are retried a few times with exponential backoff and jitter, honouring {@code Retry-After}; this
 * is a small loop rather than a library because none is on the harness's classpath for plain
 * blocking calls and the rule fits in one method.
 */
final class ControlPlaneClient {

    private static final Logger LOG = Logger.getLogger(ControlPlaneClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Integer> TRANSIENT = Set.of(429, 502, 503, 504);
    static final int MAX_ATTEMPTS = 4;
    private static final Duration BASE_BACKOFF = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    /** What create, connect and get tell about a sandbox (fields of {@code Sandbox}/{@code SandboxDetail}). */
    record SandboxInfo(String sandboxId, String envdVersion, String accessToken, String domain, String state,
                       Map<String, String> metadata, Instant endAt) {
    }

    private final HttpClient http;
    private final E2bSettings settings;

    ControlPlaneClient(HttpClient http, E2bSettings settings) {
        this.http = http;
        this.settings = settings;
    }

    SandboxInfo create(ObjectNode body) throws E2bException {
        return info(call("POST", "/sandboxes", body, Set.of(201)).body());
    }

    /** The sandbox, or empty when E2B does not know it (killed, expired). */
    Optional<SandboxInfo> get(String sandboxId) throws E2bException {
        Reply reply = call("GET", "/sandboxes/" + sandboxId, null, Set.of(200, 404));
        return reply.status() == 404 ? Optional.empty() : Optional.of(info(reply.body()));
    }

    /** Every running or paused sandbox whose metadata contains all of {@code metadata}. */
    List<SandboxInfo> list(Map<String, String> metadata) throws E2bException {
        StringJoiner filter = new StringJoiner("&");
        metadata.forEach((k, v) -> filter.add(encode(k) + "=" + encode(v)));
        List<SandboxInfo> sandboxes = new ArrayList<>();
        String next = null;
        do {
            String path = "/v2/sandboxes?metadata=" + encode(filter.toString()) + "&state=running,paused&limit=100"
                    + (next == null ? "" : "&nextToken=" + encode(next));
            Reply reply = call("GET", path, null, Set.of(200));
            for (JsonNode sandbox : reply.body()) {
                sandboxes.add(info(sandbox));
            }
            next = reply.nextToken();
        } while (next != null && !next.isEmpty());
        return sandboxes;
    }

    /** Kills a sandbox; false when it was already gone. */
    boolean kill(String sandboxId) throws E2bException {
        return call("DELETE", "/sandboxes/" + sandboxId, null, Set.of(204, 404)).status() == 204;
    }

    /** Pauses a sandbox; an already paused one (409) is fine. */
    void pause(String sandboxId) throws E2bException {
        call("POST", "/sandboxes/" + sandboxId + "/pause", null, Set.of(204, 409));
    }

    /** Connects to a sandbox, resuming it if paused; its TTL becomes at least {@code timeout} from now. */
    SandboxInfo connect(String sandboxId, Duration timeout) throws E2bException {
        ObjectNode body = JSON.createObjectNode().put("timeout", seconds(timeout));
        return info(call("POST", "/sandboxes/" + sandboxId + "/connect", body, Set.of(200, 201)).body());
    }

    /** One cheap authenticated call: the key is valid and the API answers. */
    void ping() throws E2bException {
        call("GET", "/v2/sandboxes?limit=1", null, Set.of(200));
    }

    static int seconds(Duration duration) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, duration.toSeconds()));
    }

    private record Reply(int status, JsonNode body, String nextToken) {
    }

    private Reply call(String method, String pathAndQuery, JsonNode body, Set<Integer> expected) throws E2bException {
        URI uri = URI.create(settings.apiUrl().toString().replaceAll("/+$", "") + pathAndQuery);
        String what = method + " " + pathAndQuery.replaceAll("\\?.*", "");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(REQUEST_TIMEOUT)
                .header("X-API-Key", settings.apiKey())
                .header("Accept", "application/json")
                .header("User-Agent", "agent-harness");
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        for (int attempt = 1; ; attempt++) {
            HttpResponse<byte[]> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (ConnectException e) {
                if (attempt < MAX_ATTEMPTS) {
                    backoff(attempt, null, what, "unreachable");
                    continue;
                }
                throw new E2bException("E2B is unreachable (" + what + ": " + e.getClass().getSimpleName() + ")", e);
            } catch (HttpTimeoutException e) {
                throw new E2bException("E2B did not answer " + what + " within " + REQUEST_TIMEOUT.toSeconds() + " s", e);
            } catch (IOException e) {
                throw new E2bException("E2B call failed (" + what + ": " + e.getClass().getSimpleName() + ")", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new E2bException("interrupted during " + what, e);
            }
            int status = response.statusCode();
            if (expected.contains(status)) {
                return new Reply(status, parse(response.body()), response.headers().firstValue("X-Next-Token").orElse(null));
            }
            if (TRANSIENT.contains(status) && attempt < MAX_ATTEMPTS) {
                backoff(attempt, response.headers().firstValue("Retry-After").orElse(null), what, "status " + status);
                continue;
            }
            throw failure(what, status, response.body());
        }
    }

    /** Status and E2B's machine-readable {@code error_code}; the free-text message is not passed on. */
    private static E2bException failure(String what, int status, byte[] body) {
        String code = null;
        JsonNode json = parse(body);
        if (json.path("error_code").isTextual() && json.get("error_code").asText().matches("[a-z0-9_]{1,64}")) {
            code = json.get("error_code").asText();
        }
        String hint = switch (status) {
            case 401, 403 -> " — check E2B_API_KEY";
            case 429 -> " — rate limited by E2B";
            case 400 -> " — E2B rejected the request";
            default -> "";
        };
        return new E2bException("E2B answered " + status + (code == null ? "" : " (" + code + ")") + " to " + what + hint,
                status, code);
    }

    private static void backoff(int attempt, String retryAfter, String what, String why) throws E2bException {
        Duration wait = retryAfter(retryAfter).orElseGet(() -> {
            long exponential = BASE_BACKOFF.toMillis() << (attempt - 1);
            return Duration.ofMillis(exponential / 2 + ThreadLocalRandom.current().nextLong(exponential / 2 + 1));
        });
        if (wait.compareTo(MAX_BACKOFF) > 0) {
            wait = MAX_BACKOFF;
        }
        LOG.debugf("E2B %s: %s, retrying in %d ms (attempt %d of %d)", what, why, wait.toMillis(), attempt + 1, MAX_ATTEMPTS);
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new E2bException("interrupted while retrying " + what, e);
        }
    }

    /** {@code Retry-After} as delta-seconds or an HTTP date. */
    static Optional<Duration> retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.strip()))));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration wait = Duration.between(Instant.now(), at);
                return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
            } catch (DateTimeParseException notDate) {
                return Optional.empty();
            }
        }
    }

    private static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return JSON.missingNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.missingNode();
        }
    }

    private static SandboxInfo info(JsonNode sandbox) throws E2bException {
        String id = sandbox.path("sandboxID").asText(null);
        if (id == null || !id.matches("[A-Za-z0-9-]{1,128}")) {
            throw new E2bException("E2B answered without a usable sandboxID", 0, null);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        sandbox.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
        Instant endAt = null;
        if (sandbox.path("endAt").isTextual()) {
            try {
                endAt = Instant.parse(sandbox.get("endAt").asText());
            } catch (DateTimeParseException e) {
                endAt = null;
            }
        }
        return new SandboxInfo(id, sandbox.path("envdVersion").asText(""), text(sandbox, "envdAccessToken"),
                text(sandbox, "domain"), text(sandbox, "state"), metadata, endAt);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
