package dev.agentharness.runtime.runs;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A request about runs that the harness refuses, with why in the caller's terms. {@code runs} says what went
 * wrong ({@link Kind}); only {@code api} decides which HTTP status that is. The message is shown to callers
 * verbatim, so it must never carry a key, token or DSN.
 */
public final class RunRejectedException extends RuntimeException {

    /** What kind of refusal: the caller fixes the request, picks another key, or retries later. */
    public enum Kind {
        /** The request is malformed or names a bad value; the message names the field or parameter. */
        INVALID,
        /** No such run, session or trace for this caller. */
        NOT_FOUND,
        /** The request contradicts an earlier one (an Idempotency-Key reused for another body). */
        CONFLICT,
        /** A well-formed request this harness cannot honour as configured. */
        UNPROCESSABLE,
        /** A dependency is missing or down; retry after {@link #retryAfterSeconds()}. */
        UNAVAILABLE,
        /**
         * A limit of the caller's is reached (429): retry after {@link #retryAfterSeconds()}; {@link #members()} names
         * it ({@code "limit"}, e.g. {@code daily_budget_usd}) with what was used and when it resets.
         */
        THROTTLED,
        /** The caller may not do this now (403): its principal is suspended ({@code "limit": "suspended"}). */
        FORBIDDEN
    }

    private final Kind kind;
    private final OptionalInt retryAfterSeconds;
    private final Map<String, Object> members;

    private RunRejectedException(Kind kind, String message, OptionalInt retryAfterSeconds) {
        this(kind, message, retryAfterSeconds, Map.of());
    }

    private RunRejectedException(Kind kind, String message, OptionalInt retryAfterSeconds,
                                 Map<String, Object> members) {
        super(Objects.requireNonNull(message));
        this.kind = Objects.requireNonNull(kind);
        this.retryAfterSeconds = retryAfterSeconds;
        this.members = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(members));
    }

    /** 429: {@code members} go into the problem next to its detail ({@code "limit"} first). */
    public static RunRejectedException throttled(String message, int retryAfterSeconds, Map<String, Object> members) {
        return new RunRejectedException(Kind.THROTTLED, message, OptionalInt.of(retryAfterSeconds), members);
    }

    /** 403: {@code members} go into the problem next to its detail. */
    public static RunRejectedException forbidden(String message, Map<String, Object> members) {
        return new RunRejectedException(Kind.FORBIDDEN, message, OptionalInt.empty(), members);
    }

    /** Extension members of the problem (RFC 9457 §3.2), in order; empty for most kinds. */
    public Map<String, Object> members() {
        return members;
    }

    public static RunRejectedException invalid(String message) {
        return new RunRejectedException(Kind.INVALID, message, OptionalInt.empty());
    }

    public static RunRejectedException notFound(String message) {
        return new RunRejectedException(Kind.NOT_FOUND, message, OptionalInt.empty());
    }

    public static RunRejectedException conflict(String message) {
        return new RunRejectedException(Kind.CONFLICT, message, OptionalInt.empty());
    }

    public static RunRejectedException unprocessable(String message) {
        return new RunRejectedException(Kind.UNPROCESSABLE, message, OptionalInt.empty());
    }

    public static RunRejectedException unavailable(String message, int retryAfterSeconds) {
        return new RunRejectedException(Kind.UNAVAILABLE, message, OptionalInt.of(retryAfterSeconds));
    }

    public Kind kind() {
        return kind;
    }

    /** Set only for {@link Kind#UNAVAILABLE} and {@link Kind#THROTTLED}. */
    public OptionalInt retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
