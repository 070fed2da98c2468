package dev.agentharness.runtime.agent;

import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * What a run may spend, checked by the loop before every model call it makes live (a replayed call costs nothing
 * more, but counts): the run ends {@link FailureReason#BudgetExceeded} with what it spent.
 *
 * <p>The rule for the run's own bounds ({@code max_cost_usd}, {@code max_tokens}): before a call the run stops when
 * what it has spent already reached the bound, or when the next call is <em>certain</em> to pass it. The next call
 * re-sends the whole conversation, so its input is at least the previous call's input plus that call's output; it is
 * priced as input with the previous input at the cached rate (the most a provider could have cached), so the estimate
 * never exceeds what the call will cost. The prediction is made only when the same agent makes both calls: after a
 * handoff the instructions change, and the bound would no longer be certain.
 *
 * @param maxCostUsd the run's cost bound in US dollars (empty = none)
 * @param maxTokens  the run's bound on input + output tokens over all its model calls (empty = none)
 * @param principal  the principal's own budget (the daily budget), asked before every live call
 */
public record RunBudget(OptionalDouble maxCostUsd, OptionalLong maxTokens, SpendCheck principal) {

    public static final RunBudget NONE = new RunBudget(OptionalDouble.empty(), OptionalLong.empty(), SpendCheck.NONE);

    public RunBudget {
        Objects.requireNonNull(maxCostUsd, "maxCostUsd");
        Objects.requireNonNull(maxTokens, "maxTokens");
        principal = principal == null ? SpendCheck.NONE : principal;
    }

    /** Bounds from a run's row: null = none. */
    public static RunBudget of(Double maxCostUsd, Long maxTokens, SpendCheck principal) {
        return new RunBudget(maxCostUsd == null ? OptionalDouble.empty() : OptionalDouble.of(maxCostUsd),
                maxTokens == null ? OptionalLong.empty() : OptionalLong.of(maxTokens), principal);
    }
}
