package dev.agentharness.api;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RFC 9457 problem details, the body of every 4xx/5xx ({@code application/problem+json}). {@code extensions} are the
 * RFC's extension members, written beside the standard ones: e.g. {@code "limit": "max_queued"} on a {@code 429}, so
 * a client can tell which limit it hit without parsing the detail.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(
        @JsonProperty("type") String type,
        @JsonProperty("title") String title,
        @JsonProperty("status") int status,
        @JsonProperty("detail") String detail,
        @JsonProperty("instance") String instance,
        @JsonIgnore Map<String, Object> extensions) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public Problem {
        extensions = extensions == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
    }

    public Problem(String type, String title, int status, String detail, String instance) {
        this(type, title, status, detail, instance, Map.of());
    }

    public static Problem of(int status, String title, String detail) {
        return new Problem("about:blank", title, status, detail, null);
    }

    /** This problem with one more extension member. */
    public Problem with(String member, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(extensions);
        more.put(member, value);
        return new Problem(type, title, status, detail, instance, more);
    }

    @JsonAnyGetter
    Map<String, Object> extensionMembers() {
        return extensions;
    }
}
