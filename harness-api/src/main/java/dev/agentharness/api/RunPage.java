package dev.agentharness.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * One page of {@code GET /runs?updated_since=} (or {@code ?cursor=}): the runs changed since a point, oldest
 * change first, and where to continue. {@code next_cursor} is the position to pass back as {@code cursor};
 * {@code next_updated_since} is its timestamp alone, kept for older callers (it cannot move past a group of
 * more than {@code limit} runs sharing one timestamp — the cursor can).
 */
public record RunPage(
        @JsonProperty("runs") List<RunResponse> runs,
        @JsonProperty("next_updated_since") OffsetDateTime nextUpdatedSince,
        @JsonProperty("next_cursor") String nextCursor) {
}
