package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.state.FeedPosition;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Base64;

/**
 * The {@code cursor} of {@code GET /runs}: a {@link FeedPosition} as an opaque token (base64url of
 * {@code <instant>|<run id>}). Opaque so callers pass it back unchanged and the position may grow later;
 * not signed, because it only narrows a query the caller may run anyway over their own runs.
 */
final class FeedCursor {

    static final String PARAMETER = "cursor";
    private static final char SEPARATOR = '|';

    private FeedCursor() {
    }

    static String encode(FeedPosition position) {
        String plain = position.updatedAt().toInstant().toString() + SEPARATOR + position.runId();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    /** @throws RunRejectedException invalid, naming the parameter when the token is not one this harness issued */
    static FeedPosition decode(String token) {
        try {
            String plain = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            int separator = plain.indexOf(SEPARATOR);
            if (separator < 0) {
                throw invalid();
            }
            Instant instant = Instant.parse(plain.substring(0, separator));
            return new FeedPosition(instant.atOffset(ZoneOffset.UTC), plain.substring(separator + 1));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw invalid();
        }
    }

    private static RunRejectedException invalid() {
        return RunRejectedException.invalid("query parameter '" + PARAMETER + "' is not a cursor this harness issued: "
                + "pass back a page's next_cursor unchanged");
    }
}
