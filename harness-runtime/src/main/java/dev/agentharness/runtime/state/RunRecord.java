package dev.agentharness.runtime.state;

import dev.agentharness.api.RunStatus;
import java.time.OffsetDateTime;
import java.util.Map;

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
 * @param maxCostUsd the run's own cost budget ({@code max_cost_usd}); null = none
 * @param maxTokens  the run's own token budget ({@code max_tokens}, input + output); null = none
 * @param agentVersion  the version of the agent the run started with (V12; null for runs stored before it)
 * @param agentVersions the versions of the tenant agents the run may use ({name: version}, resolved at submission;
 *                      empty for a built-in or file agent, whose handoff targets are built-in or file agents too)
 */
public record RunRecord(String runId, String sessionId, String principal, String agent, String model,
        RunStatus status, String reason, String message, String requestJson, String requestHash,
        String idempotencyKey, String reply, long inputTokens, long outputTokens, double costUsd, String traceId,
        boolean usedSandbox, boolean saveArtifact, int maxTurns, Integer timeoutSeconds, boolean cancelRequested,
        int attempts, String leaseOwner, OffsetDateTime leaseExpiresAt, OffsetDateTime createdAt,
        OffsetDateTime startedAt, OffsetDateTime completedAt, OffsetDateTime updatedAt,
        long leaseEpoch, int recoveries, int turns, int stepCount, String lastStep, Boolean sampledToPhoenix,
        long cachedInputTokens, Double maxCostUsd, Long maxTokens, String agentVersion,
        Map<String, String> agentVersions) {

    public RunRecord {
        agentVersions = agentVersions == null ? Map.of() : Map.copyOf(agentVersions);
    }

    /** A run without a recorded agent version. */
    public RunRecord(String runId, String sessionId, String principal, String agent, String model,
                     RunStatus status, String reason, String message, String requestJson, String requestHash,
                     String idempotencyKey, String reply, long inputTokens, long outputTokens, double costUsd,
                     String traceId, boolean usedSandbox, boolean saveArtifact, int maxTurns, Integer timeoutSeconds,
                     boolean cancelRequested, int attempts, String leaseOwner, OffsetDateTime leaseExpiresAt,
                     OffsetDateTime createdAt, OffsetDateTime startedAt, OffsetDateTime completedAt,
                     OffsetDateTime updatedAt, long leaseEpoch, int recoveries, int turns, int stepCount,
                     String lastStep, Boolean sampledToPhoenix, long cachedInputTokens, Double maxCostUsd,
                     Long maxTokens) {
        this(runId, sessionId, principal, agent, model, status, reason, message, requestJson, requestHash,
                idempotencyKey, reply, inputTokens, outputTokens, costUsd, traceId, usedSandbox, saveArtifact,
                maxTurns, timeoutSeconds, cancelRequested, attempts, leaseOwner, leaseExpiresAt, createdAt, startedAt,
                completedAt, updatedAt, leaseEpoch, recoveries, turns, stepCount, lastStep, sampledToPhoenix,
                cachedInputTokens, maxCostUsd, maxTokens, null, Map.of());
    }

    /** A run without a budget of its own. */
    public RunRecord(String runId, String sessionId, String principal, String agent, String model,
                     RunStatus status, String reason, String message, String requestJson, String requestHash,
                     String idempotencyKey, String reply, long inputTokens, long outputTokens, double costUsd,
                     String traceId, boolean usedSandbox, boolean saveArtifact, int maxTurns, Integer timeoutSeconds,
                     boolean cancelRequested, int attempts, String leaseOwner, OffsetDateTime leaseExpiresAt,
                     OffsetDateTime createdAt, OffsetDateTime startedAt, OffsetDateTime completedAt,
                     OffsetDateTime updatedAt, long leaseEpoch, int recoveries, int turns, int stepCount,
                     String lastStep, Boolean sampledToPhoenix, long cachedInputTokens) {
        this(runId, sessionId, principal, agent, model, status, reason, message, requestJson, requestHash,
                idempotencyKey, reply, inputTokens, outputTokens, costUsd, traceId, usedSandbox, saveArtifact,
                maxTurns, timeoutSeconds, cancelRequested, attempts, leaseOwner, leaseExpiresAt, createdAt, startedAt,
                completedAt, updatedAt, leaseEpoch, recoveries, turns, stepCount, lastStep, sampledToPhoenix,
                cachedInputTokens, null, null);
    }

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
