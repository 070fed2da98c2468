package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.state.PrincipalControls;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a submission must pass before its run is written: the principal is not suspended (the kill switch: 403,
 * {@code "limit": "suspended"}), and its daily budget is not spent (429, {@code "limit": "daily_budget_usd"}, with
 * {@code Retry-After} = seconds to the next UTC midnight). Both read the database, so every replica answers alike.
 * One primary-key lookup per submission; the budget's sum only for principals with a daily budget.
 */
@ApplicationScoped
public class SpendAdmission {

    private final PrincipalControls controls;
    private final DailyBudgets budgets;

    @Inject
    public SpendAdmission(PrincipalControls controls, DailyBudgets budgets) {
        this.controls = controls;
        this.budgets = budgets;
    }

    /** @throws RunRejectedException FORBIDDEN when suspended, THROTTLED when the daily budget is spent */
    public void admit(String principal) {
        controls.find(principal).filter(PrincipalControls.Control::suspended).ifPresent(control -> {
            Map<String, Object> members = new LinkedHashMap<>();
            members.put("principal", principal);
            members.put("suspended_by", control.suspendedBy());
            String at = control.suspendedAt() == null ? "an unknown time"
                    : control.suspendedAt().toInstant().toString();
            members.put("suspended_at", at);
            if (control.reason() != null) {
                members.put("reason", control.reason());
            }
            throw RunRejectedException.forbidden("suspended", "principal " + principal + " is suspended (by "
                    + control.suspendedBy() + " at " + at
                    + (control.reason() == null ? "" : ": " + control.reason())
                    + "); no run is accepted until an admin resumes it", members);
        });
        budgets.exhausted(principal).ifPresent(exhausted -> {
            Instant now = budgets.clock().instant();
            Map<String, Object> members = new LinkedHashMap<>();
            members.put("principal", principal);
            members.put("daily_budget_usd", exhausted.budgetUsd());
            members.put("spent_usd", exhausted.spentUsd());
            members.put("resets_at", exhausted.resetsAt().toString());
            throw RunRejectedException.throttled("daily_budget_usd", exhausted.message()
                    + "; no run is accepted until then", DailyBudgets.secondsUntil(now, exhausted.resetsAt()), members);
        });
    }
}
