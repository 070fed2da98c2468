package dev.agentharness.runtime.state;

import dev.agentharness.api.RunStatus;
import java.time.OffsetDateTime;

/**
 * One row of {@code public.runs}.
 *
 * @param leaseEpoch how many times the run was claimed; its journal accepts steps only under the current one
 * @param recoveries how many times it was resumed after its worker died
 * @param turns      model responses recorded in its journal
 * @param stepCount  steps recorded in its journal (the last one's sequence number)
 * @param lastStep   kind of the last step recorded, null before the first
 * @param sampledToPhoenix whether its spans went to Phoenix; null while it runs and when Phoenix was off
 * @param cachedInputTokens the part of {@code inputTokens} its model calls read from the provider's cache
 */
public record RunRecord(String runId, String sessionId, String principal, String agent, String model,
        RunStatus status, String reason, String message, String requestJson, String requestHash,
        String idempotencyKey, String reply, long inputTokens, long outputTokens, double costUsd, String traceId,
        boolean usedSandbox, boolean saveArtifact, int maxTurns, Integer timeoutSeconds, boolean cancelRequested,
        int attempts, String leaseOwner, OffsetDateTime leaseExpiresAt, OffsetDateTime createdAt,
        OffsetDateTime startedAt, OffsetDateTime completedAt, OffsetDateTime updatedAt,
        long leaseEpoch, int recoveries, int turns, int stepCount, String lastStep, Boolean sampledToPhoenix,
        long cachedInputTokens) {

    /** A run without cached input tokens. */
    public RunRecord(String runId, String sessionId, String principal, String agent, String model,
                     RunStatus status, String reason, String message, String requestJson, String requestHash,
                     String idempotencyKey, String reply, long inputTokens, long outputTokens, double costUsd,
                     String traceId, boolean usedSandbox, boolean saveArtifact, int maxTurns, Integer timeoutSeconds,
                     boolean cancelRequested, int attempts, String leaseOwner, OffsetDateTime leaseExpiresAt,
                     OffsetDateTime createdAt, OffsetDateTime startedAt, OffsetDateTime completedAt,
                     OffsetDateTime updatedAt, long leaseEpoch, int recoveries, int turns, int stepCount,
                     String lastStep, Boolean sampledToPhoenix) {
        this(runId, sessionId, principal, agent, model, status, reason, message, requestJson, requestHash,
                idempotencyKey, reply, inputTokens, outputTokens, costUsd, traceId, usedSandbox, saveArtifact,
                maxTurns, timeoutSeconds, cancelRequested, attempts, leaseOwner, leaseExpiresAt, createdAt, startedAt,
                completedAt, updatedAt, leaseEpoch, recoveries, turns, stepCount, lastStep, sampledToPhoenix, 0);
    }
}
