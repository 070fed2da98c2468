package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.agent.SpendCheck;
import dev.agentharness.runtime.state.UsageStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The daily budget of a principal ({@link TenantLimits#dailyBudgetUsd()}, per UTC day): what its model calls cost since
 * UTC midnight, read from {@code public.usage} — the database decides, so every replica agrees.
 *
 * <p>Cost: only principals with a daily budget pay for a query (one index-only range scan of
 * {@code usage_principal_recorded_idx}) — at submission and before each of their runs' model calls. There is no skip
 * and no per-replica cache: runs of the same principal on other replicas spend in between, so no local estimate can
 * tell that the budget still has room. A run already in its model call when the budget runs out finishes that call
 * and stops before the next: the overshoot is bounded by the calls in flight at that moment.
 */
@ApplicationScoped
public class DailyBudgets {

    /** A spent daily budget: who, how much of what, and when it resets (the next UTC midnight). */
    public record Exhausted(String principal, double budgetUsd, BigDecimal spentUsd, Instant resetsAt) {

        public String message() {
            return String.format(Locale.ROOT, "principal %s spent $%.4f of its daily_budget_usd $%.4f today (UTC); "
                    + "the budget resets at %s", principal, spentUsd, budgetUsd, resetsAt);
        }
    }

    private final TenantPolicies policies;
    private final UsageStore usage;
    private final Clock clock;
    private final AlertNotifier alerts;

    @Inject
    public DailyBudgets(TenantPolicies policies, UsageStore usage, Clock clock, AlertNotifier alerts) {
        this.policies = policies;
        this.usage = usage;
        this.clock = clock;
        this.alerts = alerts;
    }

    /** Today's spend against the principal's daily budget; empty without a budget or while it has room. */
    public Optional<Exhausted> exhausted(String principal) {
        OptionalDouble budget = policies.limitsFor(principal).dailyBudgetUsd();
        if (budget.isEmpty()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Instant midnight = startOfDay(now);
        BigDecimal spent = usage.spentSince(principal, midnight);
        if (spent.compareTo(BigDecimal.valueOf(budget.getAsDouble())) < 0) {
            return Optional.empty();
        }
        Exhausted exhausted = new Exhausted(principal, budget.getAsDouble(), spent, midnight.plus(1, ChronoUnit.DAYS));
        alerts.budgetExhausted(principal, LocalDate.ofInstant(now, ZoneOffset.UTC), spent, budget.getAsDouble(),
                exhausted.resetsAt());
        return Optional.of(exhausted);
    }

    /** The check a run of {@code principal} makes before each model call ({@link SpendCheck#NONE} without a budget). */
    public SpendCheck forRun(String principal) {
        if (policies.limitsFor(principal).dailyBudgetUsd().isEmpty()) {
            return SpendCheck.NONE;
        }
        return runSpentUsd -> exhausted(principal).map(Exhausted::message);
    }

    /** When {@code now}'s UTC day began. */
    static Instant startOfDay(Instant now) {
        return now.truncatedTo(ChronoUnit.DAYS);
    }

    /** Whole seconds from {@code now} to {@code resetsAt}, at least 1 (a {@code Retry-After}). */
    static int secondsUntil(Instant now, Instant resetsAt) {
        long seconds = (long) Math.ceil((resetsAt.toEpochMilli() - now.toEpochMilli()) / 1000.0);
        return (int) Math.max(1, Math.min(seconds, 86_400));
    }

    Clock clock() {
        return clock;
    }
}
