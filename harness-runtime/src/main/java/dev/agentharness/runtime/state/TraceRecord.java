package dev.agentharness.runtime.state;

import java.time.OffsetDateTime;

/** The persisted agent trace of a run; {@code traceJson} is the stored spans document. */
public record TraceRecord(String runId, String traceId, String traceJson, OffsetDateTime createdAt) {
}
