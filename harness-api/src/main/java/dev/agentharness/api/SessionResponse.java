package dev.agentharness.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.OffsetDateTime;
import java.util.List;

/** A session and its history: every run in order, with the user's message and the reply. */
public record SessionResponse(
        @JsonProperty("session_id") String sessionId,
        @JsonProperty("created_at") OffsetDateTime createdAt,
        @JsonProperty("updated_at") OffsetDateTime updatedAt,
        @JsonProperty("runs") List<Turn> runs) {

    /** One exchange of the session. */
    public record Turn(
            @JsonProperty("run_id") String runId,
            @JsonProperty("agent") String agent,
            @JsonProperty("status") RunStatus status,
            @JsonProperty("message") String message,
            @JsonProperty("reply") String reply,
            @JsonProperty("created_at") OffsetDateTime createdAt) {
    }
}
