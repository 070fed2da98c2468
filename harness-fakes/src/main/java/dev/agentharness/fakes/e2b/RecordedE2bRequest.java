package dev.agentharness.fakes.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One request the FAKE E2B received, as it arrived, except that the values of {@code X-API-Key}
 * and {@code X-Access-Token} are replaced by {@code ***} (they are the fake's own credentials).
 *
 * @param plane   {@code control} (the REST API) or {@code envd} (the in-sandbox daemon)
 * @param query   the raw query string, or null
 * @param headers names in lower case
 */
public record RecordedE2bRequest(String plane, String method, String path, String query,
                                 Map<String, List<String>> headers, byte[] body, Instant receivedAt) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public RecordedE2bRequest {
        headers = Map.copyOf(headers);
        body = body == null ? new byte[0] : body;
    }

    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    /** The body as text (bytes that are not UTF-8 are replaced). */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The JSON body; for a Connect streaming request, the JSON of its single message. */
    public JsonNode json() {
        try {
            byte[] bytes = body;
            if (header("content-type").orElse("").startsWith("application/connect+")) {
                bytes = ConnectFrames.parse(body).getFirst().payload();
            }
            return JSON.readTree(bytes);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(method + " " + path + " has no JSON body", e);
        }
    }

    /** Everything the client chose to send, for secret scans: path, query, header values and body. */
    public String everything() {
        StringBuilder text = new StringBuilder(method).append(' ').append(path).append('?').append(query).append('\n');
        headers.forEach((name, values) -> text.append(name).append(": ").append(String.join(", ", values)).append('\n'));
        return text.append(new String(body, StandardCharsets.ISO_8859_1)).toString();
    }
}
