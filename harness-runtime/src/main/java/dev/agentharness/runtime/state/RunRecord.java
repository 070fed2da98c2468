package dev.agentharness.runtime.state;

import dev.agentharness.api.RunStatus;
import java.time.OffsetDateTime;

/** One row of {@code public.runs}. */
public record RunRecord(String runId, String sessionId, String principal, String agent, String model,
        RunStatus status, String reason, String message, String requestJson, String requestHash,
        String idempotencyKey, String reply, long inputTokens, long outputTokens, double costUsd, String traceId,
        boolean usedSandbox, boolean saveArtifact, int maxTurns, Integer timeoutSeconds, boolean cancelRequested,
        int attempts, String leaseOwner, OffsetDateTime leaseExpiresAt, OffsetDateTime createdAt,
        OffsetDateTime startedAt, OffsetDateTime completedAt, OffsetDateTime updatedAt) {
}
