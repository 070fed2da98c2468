package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.state.PrincipalControls;
import dev.agentharness.runtime.state.UsageStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The kill switch, for admin principals ({@code HARNESS_ADMIN_PRINCIPALS}; the API checks that): suspend a principal —
 * its queued runs fail without starting, its running runs stop at once (here at once, on other replicas at their next
 * lease heartbeat, a third of the lease), new runs are refused — resume it, and read its state, today's spend and
 * limits. Audited {@code principal.suspended} / {@code principal.resumed} with the acting admin.
 */
@ApplicationScoped
public class PrincipalAdmin {

    private static final Logger LOG = Logger.getLogger(PrincipalAdmin.class);
    /** Key principals ({@code HARNESS_API_KEYS}) and namespaces ({@code ns:<namespace>}). */
    static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}");
    static final int MAX_REASON = 500;

    /** A principal as an admin sees it. */
    public record Status(String principal, boolean suspended, String suspendedBy, Instant suspendedAt, String reason,
                         String resumedBy, Instant resumedAt, BigDecimal spentTodayUsd, Instant dayStartedAt,
                         Instant resetsAt, TenantLimits limits) {
    }

    private final PrincipalControls controls;
    private final UsageStore usage;
    private final TenantPolicies policies;
    private final RunDispatcher dispatcher;
    private final AlertNotifier alerts;
    private final RunOutcomeMetrics outcomeMetrics;
    private final Clock clock;

    @Inject
    public PrincipalAdmin(PrincipalControls controls, UsageStore usage, TenantPolicies policies,
                          RunDispatcher dispatcher, AlertNotifier alerts, RunOutcomeMetrics outcomeMetrics,
                          Clock clock) {
        this.controls = controls;
        this.usage = usage;
        this.policies = policies;
        this.dispatcher = dispatcher;
        this.alerts = alerts;
        this.outcomeMetrics = outcomeMetrics;
        this.clock = clock;
    }

    public Status status(String principal) {
        validate(principal);
        Instant midnight = DailyBudgets.startOfDay(clock.instant());
        Optional<PrincipalControls.Control> c = controls.find(principal);
        return new Status(principal, c.map(PrincipalControls.Control::suspended).orElse(false),
                c.map(PrincipalControls.Control::suspendedBy).orElse(null),
                c.map(PrincipalControls.Control::suspendedAt).map(t -> t.toInstant()).orElse(null),
                c.map(PrincipalControls.Control::reason).orElse(null),
                c.map(PrincipalControls.Control::resumedBy).orElse(null),
                c.map(PrincipalControls.Control::resumedAt).map(t -> t.toInstant()).orElse(null),
                usage.spentSince(principal, midnight), midnight, midnight.plus(1, ChronoUnit.DAYS),
                policies.limitsFor(principal));
    }

    public Status suspend(String principal, String admin, String reason) {
        validate(principal);
        if (reason != null && (reason.length() > MAX_REASON || reason.indexOf('\0') >= 0)) {
            throw RunRejectedException.invalid("field 'reason' must be at most " + MAX_REASON
                    + " characters without NUL");
        }
        PrincipalControls.Suspension suspension = controls.suspend(principal, admin, reason);
        dispatcher.suspended(principal); // this replica's runs stop now; the others' at their next heartbeat
        LOG.warnf("principal %s suspended by %s: %d queued run(s) failed, running runs stopped", principal, admin,
                suspension.failedQueuedRuns().size());
        Thread.ofVirtual().name("suspension-metrics").start(() ->
                suspension.failedQueuedRuns().forEach(outcomeMetrics::failedBySweep));
        alerts.suspended(principal, admin, reason);
        return status(principal);
    }

    public Status resume(String principal, String admin) {
        validate(principal);
        Optional<PrincipalControls.Control> resumed = controls.resume(principal, admin);
        if (resumed.isPresent()) {
            LOG.warnf("principal %s resumed by %s", principal, admin);
            alerts.resumed(principal, admin);
        }
        return status(principal);
    }

    private static void validate(String principal) {
        if (principal == null || !PRINCIPAL.matcher(principal).matches()) {
            throw RunRejectedException.invalid("path parameter 'principal' must match " + PRINCIPAL.pattern());
        }
    }
}
