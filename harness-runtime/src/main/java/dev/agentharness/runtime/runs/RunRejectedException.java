package dev.agentharness.runtime.runs;

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
        /** The caller is at one of its limits ({@link #limit()}); retry after {@link #retryAfterSeconds()}. */
        THROTTLED,
        /** The caller may not do this now (403): its principal is suspended ({@link #limit()} {@code suspended}). */
        FORBIDDEN
    }

    private final Kind kind;
    private final OptionalInt retryAfterSeconds;
    private final String limit;
    private final java.util.Map<String, Object> members;

    private RunRejectedException(Kind kind, String message, OptionalInt retryAfterSeconds) {
        this(kind, message, retryAfterSeconds, null);
    }

    private RunRejectedException(Kind kind, String message, OptionalInt retryAfterSeconds, String limit) {
        this(kind, message, retryAfterSeconds, limit, java.util.Map.of());
    }

    private RunRejectedException(Kind kind, String message, OptionalInt retryAfterSeconds, String limit,
                                 java.util.Map<String, Object> members) {
        super(Objects.requireNonNull(message));
        this.kind = Objects.requireNonNull(kind);
        this.retryAfterSeconds = retryAfterSeconds;
        this.limit = limit;
        this.members = java.util.Map.copyOf(members);
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

    /**
     * 422 with problem members: an agent spec's {@code field} (the first problem's) and every {@code problems}
     * entry ({@code {field, message}}), so a client (the operator) can name the field without parsing the detail.
     */
    public static RunRejectedException unprocessable(String message, java.util.Map<String, Object> members) {
        return new RunRejectedException(Kind.UNPROCESSABLE, message, OptionalInt.empty(), null, members);
    }

    /** 409 with problem members (as {@link #unprocessable(String, java.util.Map)}). */
    public static RunRejectedException conflict(String message, java.util.Map<String, Object> members) {
        return new RunRejectedException(Kind.CONFLICT, message, OptionalInt.empty(), null, members);
    }

    public static RunRejectedException unavailable(String message, int retryAfterSeconds) {
        return new RunRejectedException(Kind.UNAVAILABLE, message, OptionalInt.of(retryAfterSeconds));
    }

    /** The caller is at {@code limit} (its name in the tenants file, e.g. {@code max_queued}). */
    public static RunRejectedException throttled(String limit, String message, int retryAfterSeconds) {
        return new RunRejectedException(Kind.THROTTLED, message, OptionalInt.of(retryAfterSeconds),
                Objects.requireNonNull(limit));
    }

    /**
     * As {@link #throttled(String, String, int)}, with more problem members beside {@code limit} (a budget: what was
     * spent, when it resets).
     */
    public static RunRejectedException throttled(String limit, String message, int retryAfterSeconds,
                                                 java.util.Map<String, Object> members) {
        return new RunRejectedException(Kind.THROTTLED, message, OptionalInt.of(retryAfterSeconds),
                Objects.requireNonNull(limit), members);
    }

    /** 403: the caller may not do this now ({@code limit} {@code suspended}, with who and when in {@code members}). */
    public static RunRejectedException forbidden(String limit, String message, java.util.Map<String, Object> members) {
        return new RunRejectedException(Kind.FORBIDDEN, message, OptionalInt.empty(), Objects.requireNonNull(limit),
                members);
    }

    /** Problem members besides {@code limit} (non-null values); empty for most refusals. */
    public java.util.Map<String, Object> members() {
        return members;
    }

    public Kind kind() {
        return kind;
    }

    /** The limit a {@link Kind#THROTTLED} refusal names; null for the other kinds. */
    public String limit() {
        return limit;
    }

    /** Set only for {@link Kind#UNAVAILABLE} and {@link Kind#THROTTLED}. */
    public OptionalInt retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
