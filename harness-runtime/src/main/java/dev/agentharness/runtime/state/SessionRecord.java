package dev.agentharness.runtime.state;

import java.time.OffsetDateTime;

/** One row of {@code public.sessions}. */
public record SessionRecord(String sessionId, String principal, OffsetDateTime createdAt, OffsetDateTime updatedAt) {
}
