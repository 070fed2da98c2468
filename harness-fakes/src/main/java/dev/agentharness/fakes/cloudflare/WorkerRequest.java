package dev.agentharness.fakes.cloudflare;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP request the FAKE Cloudflare Worker received, as it arrived (rejected ones included).
 *
 * @param rawPath the path as sent, percent-encoding kept
 * @param headers header names in lower case
 */
public record WorkerRequest(String method, String rawPath, String rawQuery, Map<String, List<String>> headers,
                            byte[] body, Instant receivedAt) {

    public WorkerRequest {
        headers = Map.copyOf(headers);
    }

    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    /** Everything a secret could hide in, as text: method, path, query, every header and the body. */
    public String asText() {
        return method + " " + rawPath + (rawQuery == null ? "" : "?" + rawQuery) + "\n" + headers + "\n"
                + new String(body, StandardCharsets.UTF_8);
    }

    /** {@link #asText()} without the {@code Authorization} header, where the Worker's own key belongs. */
    public String asTextWithoutAuthorization() {
        Map<String, List<String>> others = new java.util.TreeMap<>(headers);
        others.remove("authorization");
        return method + " " + rawPath + (rawQuery == null ? "" : "?" + rawQuery) + "\n" + others + "\n"
                + new String(body, StandardCharsets.UTF_8);
    }
}
