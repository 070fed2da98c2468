package dev.agentharness.runtime.agent;

import java.util.Optional;

/**
 * A budget outside the run (the principal's daily budget), asked before every live model call. The loop knows no
 * database: the harness implements it ({@code runs/DailyBudgets}) and hands it over through {@link RunConfig}.
 */
@FunctionalInterface
public interface SpendCheck {

    SpendCheck NONE = runSpentUsd -> Optional.empty();

    /**
     * @param runSpentUsd what this run's model calls cost so far (replayed ones included)
     * @return why the run must stop now (the message of its {@code BudgetExceeded} failure); empty to go on
     */
    Optional<String> beforeModelCall(double runSpentUsd);
}
