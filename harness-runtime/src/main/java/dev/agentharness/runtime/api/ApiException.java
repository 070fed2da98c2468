package dev.agentharness.runtime.api;

import java.util.Map;

/**
 * An error the caller can act on, rendered as problem+json with {@code status}. The detail is
 * shown to callers verbatim, so it must never carry a key, token or DSN.
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final String title;
    private final Map<String, String> headers;
    private final Map<String, Object> members;

    public ApiException(int status, String title, String detail, Map<String, String> headers) {
        this(status, title, detail, headers, Map.of());
    }

    /** With problem extension members ({@code members}, e.g. {@code limit}) beside the standard ones. */
    public ApiException(int status, String title, String detail, Map<String, String> headers,
                        Map<String, Object> members) {
        super(detail);
        this.status = status;
        this.title = title;
        this.headers = Map.copyOf(headers);
        this.members = Map.copyOf(members);
    }

    public ApiException(int status, String title, String detail) {
        this(status, title, detail, Map.of());
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(400, "Bad Request", detail);
    }

    public static ApiException notFound(String detail) {
        return new ApiException(404, "Not Found", detail);
    }

    public static ApiException conflict(String detail) {
        return new ApiException(409, "Conflict", detail);
    }

    public static ApiException unavailable(String detail, int retryAfterSeconds) {
        return new ApiException(503, "Service Unavailable", detail,
                Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
    }

    /**
     * {@code 429}: the caller is at {@code limit}; {@code Retry-After} says when to try again, {@code headers} may add
     * the {@code RateLimit-*} fields.
     */
    public static ApiException tooManyRequests(String limit, String detail, long retryAfterSeconds,
                                               Map<String, String> headers) {
        return tooManyRequests(detail, retryAfterSeconds, headers, Map.of("limit", limit));
    }

    /** {@code 429} with problem members ({@code limit} among them) beside the standard ones. */
    public static ApiException tooManyRequests(String detail, long retryAfterSeconds, Map<String, String> headers,
                                               Map<String, Object> members) {
        Map<String, String> all = new java.util.LinkedHashMap<>(headers);
        all.put("Retry-After", Long.toString(retryAfterSeconds));
        return new ApiException(429, "Too Many Requests", detail, all, members);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public Map<String, Object> members() {
        return members;
    }
}
