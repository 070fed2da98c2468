package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.state.Database;
import dev.agentharness.runtime.state.RunRecord;
import dev.agentharness.runtime.state.RunStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * This replica's worker: claims queued runs from {@code public.runs} ({@code FOR UPDATE SKIP
 * LOCKED}, so replicas sharing a database never take the same run), executes each on its own
 * virtual thread, renews the leases of the runs it holds, and fails runs whose worker died.
 *
 * <p>Concurrency is bounded by {@code harness.runs.max-in-flight}, not by a thread pool: runs
 * spend nearly all their time waiting on the model, and a parked virtual thread costs a few KB.
 */
@ApplicationScoped
public class RunDispatcher {

    private static final Logger LOG = Logger.getLogger(RunDispatcher.class);
    private static final Duration IDLE_POLL = Duration.ofMillis(500);
    private static final int CLAIM_BATCH = 100;

    private final RunStore runs;
    private final Database database;
    private final RunExecutor executor;
    private final RunLimits limits;
    private final String workerId = "worker-" + UUID.randomUUID().toString().substring(0, 8);
    private final Semaphore wakeups = new Semaphore(0);
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean running;
    private Thread loop;

    @Inject
    public RunDispatcher(RunStore runs, Database database, RunExecutor executor, RunLimits limits) {
        this.runs = runs;
        this.database = database;
        this.executor = executor;
        this.limits = limits;
    }

    void start(@Observes StartupEvent event) {
        running = true;
        loop = Thread.ofPlatform().name("run-dispatcher").daemon().start(this::dispatchLoop);
        LOG.infof("run worker %s started (max in flight %d, lease %ds)", workerId, limits.maxInFlight(),
                limits.leaseSeconds());
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        wakeups.release();
        if (loop != null) {
            try {
                loop.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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
        return inFlight.get();
    }

    private void dispatchLoop() {
        Duration lease = Duration.ofSeconds(limits.leaseSeconds());
        Duration housekeeping = lease.dividedBy(3);
        Instant nextHousekeeping = Instant.now();
        while (running) {
            try {
                if (!database.ready()) {
                    sleep(IDLE_POLL);
                    continue;
                }
                if (!Instant.now().isBefore(nextHousekeeping)) {
                    // Renew first, and never sweep our own runs: after an outage our leases may look expired.
                    runs.heartbeat(workerId, lease);
                    List<String> lost = runs.failExpiredLeases("WorkerLost", workerId);
                    if (!lost.isEmpty()) {
                        LOG.warnf("failed %d run(s) whose worker stopped renewing its lease: %s", lost.size(), lost);
                    }
                    nextHousekeeping = Instant.now().plus(housekeeping);
                }
                int capacity = limits.maxInFlight() - inFlight.get();
                List<RunRecord> claimed = capacity <= 0 ? List.of()
                        : runs.claimQueued(workerId, Math.min(capacity, CLAIM_BATCH), lease);
                for (RunRecord run : claimed) {
                    inFlight.incrementAndGet();
                    Thread.ofVirtual().name("run-" + run.runId()).start(() -> {
                        try {
                            executor.execute(run, workerId);
                        } finally {
                            inFlight.decrementAndGet();
                            wakeups.release();
                        }
                    });
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

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
