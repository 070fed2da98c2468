package dev.agentharness.runtime.agent;

import dev.agentharness.runtime.model.ModelSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Per-run settings.
 *
 * @param defaultModel           the model for agents that do not name one
 * @param maxTurns               model calls allowed before {@link FailureReason#MaxTurnsExceeded}
 * @param runSettings            overrides the agent's model settings field by field (null fields = keep the agent's)
 * @param cancelled              polled before every turn; true stops the run with {@link FailureReason#Cancelled}
 * @param metadata               forwarded with every model call
 * @param traceIncludeSensitive  whether function spans record tool arguments and outputs (the SDK's
 *                               {@code trace_include_sensitive_data}); off keeps secrets out of stored traces
 * @param toolTimeout            longest a single tool call may take; the call is abandoned (and interrupted) after it
 * @param deadline               when the whole run must end (null = none); a tool call never outlives it either
 * @param pricing                what each model call costs, recorded with its response (null = {@link CallPricing#FREE})
 */
public record RunConfig(
        String defaultModel,
        int maxTurns,
        ModelSettings runSettings,
        String runId,
        String sessionId,
        String principal,
        BooleanSupplier cancelled,
        Map<String, String> metadata,
        boolean traceIncludeSensitive,
        Duration toolTimeout,
        Instant deadline,
        CallPricing pricing) {

    public static final int DEFAULT_MAX_TURNS = 10;
    public static final Duration DEFAULT_TOOL_TIMEOUT = Duration.ofMinutes(2);

    public RunConfig {
        Objects.requireNonNull(defaultModel, "defaultModel");
        if (maxTurns < 1) {
            throw new IllegalArgumentException("maxTurns must be at least 1, was " + maxTurns);
        }
        runSettings = runSettings == null ? ModelSettings.DEFAULTS : runSettings;
        cancelled = cancelled == null ? () -> false : cancelled;
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        toolTimeout = toolTimeout == null ? DEFAULT_TOOL_TIMEOUT : toolTimeout;
        if (toolTimeout.isNegative() || toolTimeout.isZero()) {
            throw new IllegalArgumentException("toolTimeout must be positive, was " + toolTimeout);
        }
        pricing = pricing == null ? CallPricing.FREE : pricing;
    }

    /** Ten turns, no cancellation, no identifiers, sensitive data kept out of the trace. */
    public static RunConfig defaults(String defaultModel) {
        return new RunConfig(defaultModel, DEFAULT_MAX_TURNS, null, null, null, null, null, null, false, null, null, null);
    }

    public RunConfig withMaxTurns(int turns) {
        return new RunConfig(defaultModel, turns, runSettings, runId, sessionId, principal, cancelled, metadata,
                traceIncludeSensitive, toolTimeout, deadline, pricing);
    }

    public RunConfig withCancellation(BooleanSupplier check) {
        return new RunConfig(defaultModel, maxTurns, runSettings, runId, sessionId, principal, check, metadata,
                traceIncludeSensitive, toolTimeout, deadline, pricing);
    }

    public RunConfig withIdentity(String run, String session, String caller) {
        return new RunConfig(defaultModel, maxTurns, runSettings, run, session, caller, cancelled, metadata,
                traceIncludeSensitive, toolTimeout, deadline, pricing);
    }

    public RunConfig withTraceIncludeSensitive(boolean include) {
        return new RunConfig(defaultModel, maxTurns, runSettings, runId, sessionId, principal, cancelled, metadata,
                include, toolTimeout, deadline, pricing);
    }

    public RunConfig withPricing(CallPricing callPricing) {
        return new RunConfig(defaultModel, maxTurns, runSettings, runId, sessionId, principal, cancelled, metadata,
                traceIncludeSensitive, toolTimeout, deadline, callPricing);
    }

    /** Tool calls end after {@code timeout}, and none outlives {@code runDeadline} (null = no run deadline). */
    public RunConfig withTimeLimits(Duration timeout, Instant runDeadline) {
        return new RunConfig(defaultModel, maxTurns, runSettings, runId, sessionId, principal, cancelled, metadata,
                traceIncludeSensitive, timeout, runDeadline, pricing);
    }
}
