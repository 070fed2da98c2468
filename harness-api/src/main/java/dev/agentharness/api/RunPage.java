package dev.agentharness.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * One page of {@code GET /runs?updated_since=}: the runs changed since a point in time, oldest
 * change first, and the cursor to pass next time.
 */
public record RunPage(
        @JsonProperty("runs") List<RunResponse> runs,
        @JsonProperty("next_updated_since") OffsetDateTime nextUpdatedSince) {
}
