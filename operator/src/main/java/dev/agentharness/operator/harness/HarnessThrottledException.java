package dev.agentharness.operator.harness;

import java.time.Duration;
import java.util.Optional;

/**
 * The harness refused a call made for a namespace because that namespace (its tenant, {@code ns:<namespace>}) is at a
 * limit — a rate limit, its queued or in-flight quota, its daily budget ({@code 429}, {@code 402}) — or is suspended
 * ({@code 403} naming the suspension). Nothing is wrong with the request and nothing was created: the operator waits
 * ({@code Retry-After} when the harness gives one) and asks again with the same Idempotency-Key. A kind of
 * {@link HarnessUnavailableException}, so every path that already retries an unavailable harness retries this too;
 * the AgentRun shows {@code Throttled} or {@code Suspended} instead of {@code HarnessUnavailable}.
 */
public class HarnessThrottledException extends HarnessUnavailableException {

    private final boolean suspended;
    private final String limit;
    private final Duration retryAfter;

    /**
     * @param limit      the limit the problem names ({@code max_queued}, {@code daily_budget_usd}…), cleaned; may be null
     * @param retryAfter the harness's {@code Retry-After}; null when it gave none
     */
    public HarnessThrottledException(boolean suspended, String limit, Duration retryAfter, String message) {
        super(message);
        this.suspended = suspended;
        this.limit = limit;
        this.retryAfter = retryAfter;
    }

    /** True when the tenant is suspended (an administrator's kill switch), false for a limit that lifts by itself. */
    public boolean suspended() {
        return suspended;
    }

    public Optional<String> limit() {
        return Optional.ofNullable(limit);
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
