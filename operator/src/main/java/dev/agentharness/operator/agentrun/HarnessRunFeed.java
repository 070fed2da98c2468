package dev.agentharness.operator.agentrun;

import dev.agentharness.api.RunPage;
import dev.agentharness.api.RunResponse;
import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.operator.harness.HarnessClient;
import dev.agentharness.operator.harness.HarnessUnavailableException;
import io.javaoperatorsdk.operator.health.Status;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.ExternalResourceCachingEventSource;
import io.javaoperatorsdk.operator.processing.event.source.ResourceEventAware;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Follows every tracked harness run with ONE bulk request per poll, {@code GET /runs?updated_since=},
 * instead of one {@code GET /runs/{id}} per AgentRun (docs/benchmarks.md measures both at 1,000
 * runs). A JOSDK event source: when a tracked run changes, its AgentRun is reconciled, and the
 * latest copy waits in this source's cache.
 *
 * <p>The feed only knows runs the reconciler {@link #track tracked} (it tracks every run it
 * submits or finds in a status, so a restarted operator re-tracks on its first reconciliation).
 * The first page starts at {@code updated_since} = now minus {@link #FIRST_LOOKBACK}; from then on the cursor
 * is the harness's own opaque {@code next_cursor} (its clock, not ours, and a keyset over
 * {@code (updated_at, run_id)}, so more runs sharing one timestamp than a page holds never stall it); pages
 * overlap by design and identical copies raise no event. When the harness becomes unreachable every tracked
 * AgentRun is reconciled once, so each shows {@code HarnessUnavailable} and retries on its own.
 */
public class HarnessRunFeed extends ExternalResourceCachingEventSource<RunResponse, AgentRun, String>
        implements ResourceEventAware<AgentRun> {

    public static final String NAME = "harness-runs";
    static final int PAGE_SIZE = 500;
    /** A backlog larger than this is drained over several polls, so one poll never runs for long. */
    static final int MAX_PAGES_PER_POLL = 20;
    /** The first cursor, on our clock: generous, because the harness's clock may differ from ours. */
    static final Duration FIRST_LOOKBACK = Duration.ofHours(1);

    private static final Logger LOG = Logger.getLogger(HarnessRunFeed.class);

    private final HarnessClient harness;
    private final Duration interval;
    private final Clock clock;
    private final Map<String, ResourceID> primaryByRun = new ConcurrentHashMap<>();
    private final Map<ResourceID, String> runByPrimary = new ConcurrentHashMap<>();
    /** The first page's {@code updated_since}, until the harness hands out a cursor. */
    private volatile String start;
    /** The harness's {@code next_cursor}; null before the first page. */
    private volatile String cursor;
    private volatile boolean healthy = true;
    /** How far the feed has read: the newest change consumed, or the harness's horizon of a drained feed. */
    private volatile Instant consumedUpTo;
    private ScheduledExecutorService poller;

    public HarnessRunFeed(HarnessClient harness, Duration interval, Clock clock) {
        super(NAME, RunResponse.class, RunResponse::runId);
        this.harness = harness;
        this.interval = interval;
        this.clock = clock;
    }

    /** From now on, changes of {@code runId} reconcile {@code primary}. */
    public void track(ResourceID primary, String runId) {
        String previous = runByPrimary.put(primary, runId);
        if (previous != null && !previous.equals(runId)) {
            primaryByRun.remove(previous);
        }
        primaryByRun.put(runId, primary);
    }

    /** Forgets the primary: its run is finished, or the AgentRun is gone. */
    public synchronized void untrack(ResourceID primary) {
        String runId = runByPrimary.remove(primary);
        if (runId != null) {
            primaryByRun.remove(runId);
        }
        cache.remove(primary);
    }

    /** Drops everything in memory, as a restarted operator would start (tests use this). */
    public synchronized void forgetAll() {
        runByPrimary.clear();
        primaryByRun.clear();
        cache.clear();
    }

    public int tracked() {
        return runByPrimary.size();
    }

    /** The latest copy of the primary's run seen by the feed (or {@link #remember remembered}). */
    public Optional<RunResponse> latest(ResourceID primary) {
        return getSecondaryResource(primary);
    }

    /** Caches a copy fetched directly, without raising an event for it. */
    public synchronized void remember(ResourceID primary, RunResponse run) {
        handleResources(primary, Set.of(comparable(run)), false);
    }

    /**
     * Caches {@code run} unless a copy is cached already (which a poll may have brought in meanwhile, newer than
     * this one), without raising an event.
     */
    public synchronized void offer(ResourceID primary, RunResponse run) {
        if (latest(primary).isEmpty()) {
            handleResources(primary, Set.of(comparable(run)), false);
        }
    }

    /** Reconciles {@code primary} soon (something it waits for, not a run, arrived). */
    public void wake(ResourceID primary) {
        if (isRunning()) {
            getEventHandler().handleEvent(new io.javaoperatorsdk.operator.processing.event.Event(primary));
        }
    }

    @Override
    public synchronized void start() {
        super.start();
        start = clock.instant().minus(FIRST_LOOKBACK).toString();
        cursor = null;
        poller = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("harness-run-feed").daemon()
                .factory());
        poller.scheduleWithFixedDelay(this::pollSafely, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        super.stop();
        if (poller != null) {
            poller.shutdownNow();
        }
    }

    @Override
    public Status getStatus() {
        return healthy ? Status.HEALTHY : Status.UNHEALTHY;
    }

    @Override
    public void onResourceDeleted(AgentRun resource) {
        untrack(ResourceID.fromResource(resource));
    }

    private void pollSafely() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.errorf(e, "polling the harness run feed failed");
        }
    }

    /** One poll: drains the pages changed since the cursor and raises an event per changed tracked run. */
    void poll() {
        if (!isRunning()) {
            return;
        }
        try {
            String next = cursor;
            for (int page = 0; page < MAX_PAGES_PER_POLL; page++) {
                RunPage changes = next == null ? harness.changedSince(start, PAGE_SIZE) : harness.changedAfter(next, PAGE_SIZE);
                for (RunResponse run : changes.runs()) {
                    consumed(run.updatedAt());
                    ResourceID primary = primaryByRun.get(run.runId());
                    if (primary != null) {
                        synchronized (this) {
                            handleResources(primary, Set.of(comparable(run)), true);
                        }
                    }
                }
                if (changes.nextCursor() != null) {
                    next = changes.nextCursor();
                }
                consumed(changes.nextUpdatedSince());
                if (changes.runs().size() < PAGE_SIZE) {
                    break;
                }
            }
            cursor = next;
            if (!healthy) {
                LOG.info("the harness run feed is answering again");
            }
            healthy = true;
        } catch (HarnessUnavailableException e) {
            if (healthy) {
                LOG.warnf("the harness run feed is failing: %s", e.getMessage());
                // Every tracked AgentRun is reconciled once: each GET fails, each shows HarnessUnavailable and retries.
                for (ResourceID primary : Set.copyOf(runByPrimary.keySet())) {
                    cache.remove(primary);
                    getEventHandler().handleEvent(new io.javaoperatorsdk.operator.processing.event.Event(primary));
                }
            }
            healthy = false;
        }
    }

    private void consumed(OffsetDateTime at) {
        if (at != null && (consumedUpTo == null || at.toInstant().isAfter(consumedUpTo))) {
            consumedUpTo = at.toInstant();
        }
    }

    /**
     * {@code agentharness_operator_feed_lag_seconds}: how old the newest change the feed has consumed is, on the
     * injected clock (a drained feed is at the harness's horizon, a few seconds back). It grows while the harness
     * cannot be read or a backlog is drained; NaN before the first page.
     */
    public double lagSeconds() {
        Instant upTo = consumedUpTo;
        return upTo == null ? Double.NaN : Math.max(0, Duration.between(upTo, clock.instant()).toMillis() / 1000.0);
    }

    /** Links in a run are minted fresh on every read; without them two reads of an unchanged run are equal. */
    static RunResponse comparable(RunResponse run) {
        if (run.artifactUrl() == null) {
            return run;
        }
        return new RunResponse(run.runId(), run.sessionId(), run.agent(), run.model(), run.status(), run.reason(),
                run.reply(), run.usedSandbox(), null, run.artifactError(), run.artifacts(), run.usage(), run.traceId(),
                run.createdAt(), run.startedAt(), run.completedAt(), run.updatedAt(), run.progress());
    }
}
