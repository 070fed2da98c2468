package dev.agentharness.runtime.runs;

import java.util.Map;

/**
 * What a harness process is: {@code serve} (the default: HTTP API, run worker, scheduled jobs) or {@code job} (a
 * one-shot command such as {@code eval nightly} that boots the same beans against the same configuration but must
 * leave the run queue alone).
 *
 * <p>The job role is not an environment variable on purpose: {@code HarnessMain} sets it as system properties (ordinal
 * 400, above every environment variable) when it starts a job command, so a job can never serve or claim by a stray
 * variable, and a serving replica can never be switched into a job by one. What {@link #JOB_PROPERTIES} switches off:
 * <ul>
 *   <li>{@code quarkus.http.host-enabled=false}: no HTTP listener (nothing to probe, nothing to call);</li>
 *   <li>{@code quarkus.scheduler.enabled=false}: no {@code @Scheduled} method runs (metrics refresh, spend refresh,
 *       retention — retention deletes runs);</li>
 *   <li>{@code harness.role=job}: {@link RunDispatcher} does not start (no claims, no lease keeper, no expired-lease
 *       sweep, no release at shutdown), {@code SandboxReaper} does not start, {@code Storage} applies no bucket
 *       lifecycle rule.</li>
 * </ul>
 * The other startup beans only read configuration ({@code TenantPolicies}, {@code PriceTable}, {@code AgentWiring},
 * {@code PhoenixExport}, {@code RunSpanTree}, {@code TraceExport}, {@code DevModeGuard}), start an idle sender
 * ({@code AlertNotifier}) or open the database ({@code Database}: it applies pending migrations under its advisory
 * lock, exactly as a serving replica does at boot).
 */
public final class HarnessRoles {

    public static final String PROPERTY = "harness.role";
    public static final String SERVE = "serve";
    public static final String JOB = "job";

    public static final Map<String, String> JOB_PROPERTIES = Map.of(
            PROPERTY, JOB,
            "quarkus.http.host-enabled", "false",
            "quarkus.scheduler.enabled", "false");

    private HarnessRoles() {
    }

    /** Makes this process a job: call before Quarkus boots. */
    public static void becomeJob() {
        JOB_PROPERTIES.forEach(System::setProperty);
    }
}
