package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.observability.HarnessMetrics;
import dev.agentharness.runtime.sandbox.SandboxPlane;
import dev.agentharness.runtime.state.Database;
import dev.agentharness.runtime.state.InFlightLimits;
import dev.agentharness.runtime.state.RunRecord;
import dev.agentharness.runtime.state.RunQueue;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * This replica's worker: claims queued runs from {@code public.runs} ({@code FOR UPDATE SKIP
 * LOCKED}, so replicas sharing a database never take the same run), executes each on its own
 * virtual thread, renews the leases of the runs it is executing, and hands runs whose worker died back to the queue,
 * where any replica claims them and resumes them from their journal.
 *
 * <p>Three loops, each on its own platform thread: claiming; lease keeping (heartbeats on the database's dedicated
 * lease connection, then the sweep of other replicas' expired leases); and the watchdog that stops runs past their
 * {@code timeout_seconds}. A slow claim or a busy pool never delays a heartbeat, and a slow heartbeat never delays a
 * timeout.
 *
 * <p>On shutdown the replica stops claiming and reports not ready, lets runs in flight finish for
 * {@code harness.runs.shutdown-grace-seconds}, then hands the rest back to the queue for another replica.
 *
 * <p>Concurrency is bounded by {@code harness.runs.max-in-flight}, not by a thread pool: runs
 * spend nearly all their time waiting on the model, and a parked virtual thread costs a few KB.
 */
@ApplicationScoped
public class RunDispatcher {

    private static final Logger LOG = Logger.getLogger(RunDispatcher.class);
    private static final Duration IDLE_POLL = Duration.ofMillis(500);
    private static final Duration WATCHDOG_TICK = Duration.ofMillis(200);
    private static final int CLAIM_BATCH = 100;

    private final RunQueue runs;
    private final Database database;
    private final RunExecutor executor;
    private final SandboxPlane sandboxes;
    private final RunLimits limits;
    private final Clock clock;
    private final Duration lease;
    private final HarnessMetrics metrics;
    private final RunOutcomeMetrics outcomeMetrics;
    /** Each principal's max_in_flight (TenantPolicies), which every claim respects across all replicas. */
    private final InFlightLimits inFlightLimits;
    private final String workerId = "worker-" + UUID.randomUUID().toString().substring(0, 8);
    private final Semaphore wakeups = new Semaphore(0);
    private final ConcurrentMap<String, ActiveRun> active = new ConcurrentHashMap<>();
    private final Object runEnded = new Object();
    private volatile boolean claiming;
    private volatile boolean draining;
    /** Since when this replica's own heartbeats have succeeded without a break; null while they fail. */
    private volatile Instant healthySince;
    private volatile Instant lastHeartbeat;
    private Thread loop;
    private ScheduledExecutorService keepers;

    @Inject
    public RunDispatcher(RunQueue runs, Database database, RunExecutor executor, RunLimits limits, Clock clock,
                         SandboxPlane sandboxes, HarnessMetrics metrics, RunOutcomeMetrics outcomeMetrics,
                         TenantPolicies tenants) {
        this.outcomeMetrics = outcomeMetrics;
        this.inFlightLimits = inFlightLimits(tenants);
        this.sandboxes = sandboxes;
        this.metrics = metrics;
        metrics.runsInFlight(active::size);
        this.runs = runs;
        this.database = database;
        this.executor = executor;
        this.limits = limits;
        this.clock = clock;
        this.lease = Duration.ofSeconds(limits.leaseSeconds());
    }

    static InFlightLimits inFlightLimits(TenantPolicies tenants) {
        Map<String, Integer> overrides = new HashMap<>();
        for (String principal : tenants.configuredPrincipals()) {
            tenants.limitsFor(principal).maxInFlight().ifPresent(max -> overrides.put(principal, max));
        }
        return new InFlightLimits(tenants.defaults().maxInFlight(), overrides);
    }

    void start(@Observes StartupEvent event,
               @ConfigProperty(name = HarnessRoles.PROPERTY, defaultValue = HarnessRoles.SERVE) String role) {
        if (HarnessRoles.JOB.equals(role)) {
            // A one-shot job (eval nightly) shares the harness's database: it must never claim, lease, sweep or
            // release a run. Nothing starts, so nothing of the queue is touched.
            LOG.info("harness.role=job: the run worker is off (no claims, no lease sweep)");
            return;
        }
        claiming = true;
        loop = Thread.ofPlatform().name("run-dispatcher").daemon().start(this::dispatchLoop);
        keepers = Executors.newScheduledThreadPool(2, Thread.ofPlatform().name("run-keeper-", 0).daemon().factory());
        keepers.scheduleWithFixedDelay(this::keepLeases, 0, lease.toMillis() / 3, TimeUnit.MILLISECONDS);
        keepers.scheduleWithFixedDelay(this::watchDeadlines, WATCHDOG_TICK.toMillis(), WATCHDOG_TICK.toMillis(),
                TimeUnit.MILLISECONDS);
        LOG.infof("run worker %s started (max in flight %d, lease %ds + grace %ds)", workerId, limits.maxInFlight(),
                limits.leaseSeconds(), limits.leaseGraceSeconds());
    }

    /**
     * SIGTERM, first phase ({@code quarkus.shutdown.delay-enabled}): Quarkus fires this before it closes the HTTP
     * server, which it does before {@link ShutdownEvent} observers run. Draining here is what lets readiness answer
     * 503 to the load balancer for the whole grace period.
     */
    void drain(@Observes ShutdownDelayInitiatedEvent event) {
        drain();
    }

    /** SIGTERM, last phase: drains if the first phase did not run (delay disabled), then stops the keepers. */
    void stop(@Observes ShutdownEvent event) {
        drain();
        if (keepers != null) {
            keepers.shutdownNow();
        }
    }

    /**
     * Stops claiming (and reports not ready), gives runs in flight the grace period, then releases the leases of the
     * rest so another replica claims them at once and resumes them from their journal. Heartbeats go on
     * meanwhile for the runs still finishing here.
     */
    private synchronized void drain() {
        if (draining) {
            return;
        }
        draining = true;
        claiming = false;
        wakeups.release();
        joinQuietly(loop);
        Instant deadline = clock.instant().plusSeconds(limits.shutdownGraceSeconds());
        if (!active.isEmpty()) {
            LOG.infof("shutting down: waiting up to %ds for %d run(s) in flight", limits.shutdownGraceSeconds(),
                    active.size());
        }
        awaitDrained(deadline);
        Set<String> remaining = Set.copyOf(active.keySet());
        if (!remaining.isEmpty()) {
            // Stop at the next step boundary first, so the calls in flight land in the journal; only what is still
            // running after the release wait is interrupted (its in-flight call is then repeated by the resumer).
            remaining.forEach(id -> Optional.ofNullable(active.get(id))
                    .ifPresent(run -> run.stopAtNextStep(ActiveRun.Stop.RELEASED)));
            awaitDrained(clock.instant().plusSeconds(limits.releaseWaitSeconds()));
            active.values().forEach(run -> run.stop(ActiveRun.Stop.RELEASED));
            try {
                List<String> released = runs.release(workerId, remaining);
                LOG.warnf("shutting down: released %d run(s) still in flight to other replicas: %s", released.size(),
                        released);
            } catch (RuntimeException e) {
                LOG.errorf("shutting down: could not release %d run(s) (%s); another replica resumes them once "
                        + "their lease "
                        + "expires", remaining.size(), e.getMessage());
            }
        }
    }

    /** A caller asked to cancel {@code runId}: if it runs here, it stops at its next turn. */
    public void cancelRequested(String runId) {
        ActiveRun run = active.get(runId);
        if (run != null) {
            run.requestCancel();
        }
    }

    /**
     * The kill switch: every run of {@code principal} executing here stops at once (interrupted, not at its next turn).
     * Runs on other replicas stop at their next heartbeat, which reads the suspension with the lease.
     */
    public void suspended(String principal) {
        active.values().stream().filter(run -> principal.equals(run.run().principal()))
                .forEach(this::stopSuspended);
    }

    private void stopSuspended(ActiveRun run) {
        if (!run.isRecording() && run.stopped().isEmpty()) {
            LOG.infof("run %s: its principal is suspended; stopping it", run.runId());
            run.stop(ActiveRun.Stop.SUSPENDED);
        }
    }

    /** A run was queued: claim it now instead of at the next poll. */
    public void wake() {
        wakeups.release();
    }

    public String workerId() {
        return workerId;
    }

    public int inFlight() {
        return active.size();
    }

    /** True once shutdown began: readiness reports DOWN, nothing new is claimed. */
    public boolean draining() {
        return draining;
    }

    private void dispatchLoop() {
        while (claiming) {
            try {
                if (!database.ready()) {
                    sleep(IDLE_POLL);
                    continue;
                }
                int capacity = limits.maxInFlight() - active.size();
                List<RunRecord> claimed = capacity <= 0 ? List.of()
                        : runs.claimQueued(workerId, Math.min(capacity, CLAIM_BATCH), lease, inFlightLimits);
                for (RunRecord run : claimed) {
                    startRun(run);
                }
                if (claimed.size() < CLAIM_BATCH || capacity <= claimed.size()) {
                    wakeups.tryAcquire(IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
                    wakeups.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // The database may be restarting; keep the loop alive and try again shortly.
                LOG.warnf("run worker loop: %s", e.getMessage());
                sleep(IDLE_POLL);
            }
        }
    }

    private void startRun(RunRecord run) {
        if (run.attempts() == 1 && run.createdAt() != null && run.startedAt() != null) {
            // Both instants are the database's: no clock skew between the replica that queued and this one.
            metrics.runClaimedFirst(run.agent(), Duration.between(run.createdAt(), run.startedAt()));
        }
        ActiveRun running = new ActiveRun(run, RunExecutor.deadlineOf(run));
        active.put(run.runId(), running);
        Thread thread = Thread.ofVirtual().name("run-" + run.runId()).unstarted(() -> {
            try {
                executor.execute(running, workerId);
            } finally {
                active.remove(run.runId(), running);
                synchronized (runEnded) {
                    runEnded.notifyAll();
                }
                wakeups.release();
            }
        });
        running.attach(thread);
        thread.start();
    }

    /**
     * Renews the leases of the runs in flight here — and only those — then sweeps other replicas' expired leases,
     * but only after this replica has itself been healthy for a full lease: a replica just back from a stall or an
     * outage must not judge its peers by leases they could not renew either.
     */
    private void keepLeases() {
        try {
            if (!database.ready()) {
                metrics.databaseProbed(false);
                return;
            }
            Set<String> executing = Set.copyOf(active.keySet());
            RunQueue.Heartbeat heartbeat = runs.heartbeat(database.leasePool(), workerId, executing, lease);
            // The heartbeat runs even with nothing in flight: it is the replica's database probe (database_up).
            metrics.databaseProbed(true);
            Set<String> held = heartbeat.held();
            heartbeat.cancelRequested().forEach(this::cancelRequested);
            heartbeat.suspended().forEach(runId -> Optional.ofNullable(active.get(runId)).ifPresent(this::stopSuspended));
            for (String runId : executing) {
                ActiveRun run = active.get(runId);
                if (!held.contains(runId) && run != null && !run.isRecording() && active.containsKey(runId)) {
                    LOG.warnf("run %s: this replica no longer holds its lease; stopping it", runId);
                    run.stop(ActiveRun.Stop.LEASE_LOST);
                }
            }
            Instant now = clock.instant();
            // A gap between heartbeats (this process was stalled: GC, SIGSTOP, starved CPU) restarts the count.
            if (healthySince == null || lastHeartbeat == null || lastHeartbeat.plus(lease.dividedBy(2)).isBefore(now)) {
                healthySince = now;
            }
            lastHeartbeat = now;
            if (!draining && !now.isBefore(healthySince.plus(lease))) {
                RunQueue.LeaseSweep sweep = runs.recoverExpiredLeases(workerId, limits.maxRecoveries(),
                        Duration.ofSeconds(limits.leaseGraceSeconds()));
                metrics.leasesExpired(sweep.resumed().size() + sweep.failed().size());
                metrics.runsRecovered(sweep.resumed().size());
                if (!sweep.resumed().isEmpty()) {
                    LOG.warnf("%d run(s) lost their worker and go back to the queue to resume from their journal: %s",
                            sweep.resumed().size(), sweep.resumed());
                    wake();
                }
                if (!sweep.failed().isEmpty()) {
                    LOG.warnf("failed %d run(s) that lost their worker and cannot be resumed again: %s",
                            sweep.failed().size(), sweep.failed());
                    // Their sandboxes died with their replicas; their checkpoints would otherwise stay forever.
                    // This replica recorded their end: it counts them (runs_finished), from their journals.
                    Thread.ofVirtual().name("checkpoint-cleanup").start(() -> sweep.failed().forEach(runId -> {
                        sandboxes.discardCheckpoints(runId);
                        outcomeMetrics.failedBySweep(runId);
                    }));
                }
            }
        } catch (RuntimeException e) {
            healthySince = null;
            metrics.databaseProbed(false);
            LOG.warnf("lease keeping: %s", e.getMessage());
        }
    }

    /** Stops runs past their deadline, and interrupts stopped runs again until they have ended. */
    private void watchDeadlines() {
        Instant now = clock.instant();
        for (ActiveRun run : active.values()) {
            if (run.stopped().isPresent()) {
                run.interrupt();
            } else if (run.deadline() != null && !now.isBefore(run.deadline()) && !run.isRecording()) {
                LOG.infof("run %s: timeout_seconds reached; stopping it", run.runId());
                run.stop(ActiveRun.Stop.TIMED_OUT);
            }
        }
    }

    private void awaitDrained(Instant deadline) {
        synchronized (runEnded) {
            while (!active.isEmpty()) {
                long left = Duration.between(clock.instant(), deadline).toMillis();
                if (left <= 0) {
                    return;
                }
                try {
                    runEnded.wait(Math.min(left, IDLE_POLL.toMillis()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static void joinQuietly(Thread thread) {
        if (thread != null) {
            try {
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
