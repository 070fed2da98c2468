package dev.agentharness.runtime.runs;

import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * What one principal may do; an empty bound is no bound.
 *
 * @param requestsPerMinute API requests per minute (per replica), then {@code 429} with {@code Retry-After}
 * @param maxQueued         runs waiting to start; one more is refused with {@code 429}
 * @param maxInFlight       runs executing at once across all replicas; the rest wait in the queue
 * @param dailyBudgetUsd    spend per UTC day; once reached new runs are refused and running ones stop
 */
public record TenantLimits(OptionalInt requestsPerMinute, OptionalInt maxQueued, OptionalInt maxInFlight,
                           OptionalDouble dailyBudgetUsd) {

    public static final TenantLimits UNLIMITED =
            new TenantLimits(OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalDouble.empty());

    /** These limits with every bound {@code override} sets replacing this one's. */
    public TenantLimits overriddenBy(TenantLimits override) {
        return new TenantLimits(
                override.requestsPerMinute.isPresent() ? override.requestsPerMinute : requestsPerMinute,
                override.maxQueued.isPresent() ? override.maxQueued : maxQueued,
                override.maxInFlight.isPresent() ? override.maxInFlight : maxInFlight,
                override.dailyBudgetUsd.isPresent() ? override.dailyBudgetUsd : dailyBudgetUsd);
    }
}
