package dev.agentharness.operator.agentrun;

import dev.agentharness.api.RunPage;
import dev.agentharness.api.RunResponse;
import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.operator.harness.HarnessClient;
import dev.agentharness.operator.harness.HarnessThrottledException;
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
 * Follows every tracked harness run with ONE bulk request per namespace and poll, {@code GET /runs?updated_since=},
 * instead of one {@code GET /runs/{id}} per AgentRun (docs/benchmarks.md measures both at 1,000 runs). A JOSDK event
 * source: when a tracked run changes, its AgentRun is reconciled, and the latest copy waits in this source's cache.
 *
 * <p><b>One feed per namespace.</b> Each namespace is its own tenant on the harness ({@code ns:<namespace>}, through
 * the {@code Agent-Harness-Namespace} header, {@link HarnessClient}), and the harness's {@code GET /runs} never mixes
 * tenants: so the feed keeps a cursor per namespace and polls only the namespaces that have a tracked run (an
 * AgentRun in flight); a namespace whose last tracked run ended is dropped, and starts again with a fresh lookback
 * when it has one again. Polls of a namespace the harness holds back ({@code 429}, suspended) wait for its
 * {@code Retry-After} without touching any AgentRun: their runs are unaffected, and the next poll catches up.
 *
 * <p>The feed only knows runs the reconciler {@link #track tracked} (it tracks every run it
 * submits or finds in a status, so a restarted operator re-tracks on its first reconciliation).
 * A namespace's first page starts at {@code updated_since} = now minus {@link #FIRST_LOOKBACK}; from then on the
 * cursor is the harness's own opaque {@code next_cursor} (its clock, not ours, and a keyset over
 * {@code (updated_at, run_id)}, so more runs sharing one timestamp than a page holds never stall it); pages
 * overlap by design and identical copies raise no event. When the harness becomes unreachable for a namespace, every
 * tracked AgentRun of it is reconciled once, so each shows {@code HarnessUnavailable} and retries on its own.
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

    /** Where the feed of one namespace stands. */
    private static final class NamespaceFeed {
        /** The first page's {@code updated_since}, until the harness hands out a cursor. */
        final String start;
        /** The harness's {@code next_cursor}; null before the first page. */
        volatile String cursor;
        volatile boolean healthy = true;
        /** Not polled before this (the harness said Retry-After). */
        volatile Instant heldBackUntil;
        /** How far the feed has read: the newest change consumed, or the harness's horizon of a drained feed. */
        volatile Instant consumedUpTo;

        NamespaceFeed(String start) {
            this.start = start;
        }
    }

    private final HarnessClient harness;
    private final Duration interval;
    private final Clock clock;
    private final Map<String, ResourceID> primaryByRun = new ConcurrentHashMap<>();
    private final Map<ResourceID, String> runByPrimary = new ConcurrentHashMap<>();
    private final Map<String, NamespaceFeed> namespaces = new ConcurrentHashMap<>();
    /** Whether any namespace has been read yet (the lag is NaN before). */
    private volatile boolean read;
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
        namespaces.clear();
        cache.clear();
    }

    public int tracked() {
        return runByPrimary.size();
    }

    /** The namespaces the feed polls right now: those with a tracked run. */
    public Set<String> followedNamespaces() {
        return Set.copyOf(namespaces.keySet());
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
        namespaces.clear();
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
        return namespaces.values().stream().allMatch(n -> n.healthy) ? Status.HEALTHY : Status.UNHEALTHY;
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

    /** One poll: for each namespace with a tracked run, drains its pages changed since its cursor. */
    void poll() {
        if (!isRunning()) {
            return;
        }
        Set<String> active = runByPrimary.keySet().stream().map(id -> id.getNamespace().orElse(null))
                .filter(java.util.Objects::nonNull).collect(java.util.stream.Collectors.toSet());
        namespaces.keySet().retainAll(active);
        for (String namespace : active) {
            NamespaceFeed feed = namespaces.computeIfAbsent(namespace,
                    ns -> new NamespaceFeed(clock.instant().minus(FIRST_LOOKBACK).toString()));
            if (feed.heldBackUntil != null && clock.instant().isBefore(feed.heldBackUntil)) {
                continue;
            }
            poll(namespace, feed);
        }
    }

    private void poll(String namespace, NamespaceFeed feed) {
        try {
            String next = feed.cursor;
            for (int page = 0; page < MAX_PAGES_PER_POLL; page++) {
                RunPage changes = next == null ? harness.changedSince(namespace, feed.start, PAGE_SIZE)
                        : harness.changedAfter(namespace, next, PAGE_SIZE);
                for (RunResponse run : changes.runs()) {
                    consumed(feed, run.updatedAt());
                    ResourceID primary = primaryByRun.get(run.runId());
                    // A run id names one run of one tenant; the namespace check only guards against a confused harness.
                    if (primary != null && primary.getNamespace().filter(namespace::equals).isPresent()) {
                        synchronized (this) {
                            handleResources(primary, Set.of(comparable(run)), true);
                        }
                    }
                }
                if (changes.nextCursor() != null) {
                    next = changes.nextCursor();
                }
                consumed(feed, changes.nextUpdatedSince());
                if (changes.runs().size() < PAGE_SIZE) {
                    break;
                }
            }
            feed.cursor = next;
            feed.heldBackUntil = null;
            if (!feed.healthy) {
                LOG.infof("the harness run feed of namespace %s is answering again", namespace);
            }
            feed.healthy = true;
        } catch (HarnessThrottledException e) {
            // The namespace is at a limit (or suspended): its runs are unaffected; look again when the harness says.
            Duration wait = e.retryAfter().filter(d -> d.compareTo(interval) > 0).orElse(interval);
            feed.heldBackUntil = clock.instant().plus(wait.compareTo(Duration.ofMinutes(10)) > 0 ? Duration.ofMinutes(10) : wait);
            LOG.debugf("the harness run feed of namespace %s is held back for %s: %s", namespace, wait, e.getMessage());
        } catch (HarnessUnavailableException e) {
            if (feed.healthy) {
                LOG.warnf("the harness run feed of namespace %s is failing: %s", namespace, e.getMessage());
                // Every tracked AgentRun of the namespace is reconciled once: each GET fails, each shows
                // HarnessUnavailable and retries.
                for (ResourceID primary : Set.copyOf(runByPrimary.keySet())) {
                    if (primary.getNamespace().filter(namespace::equals).isPresent()) {
                        cache.remove(primary);
                        getEventHandler().handleEvent(new io.javaoperatorsdk.operator.processing.event.Event(primary));
                    }
                }
            }
            feed.healthy = false;
        }
    }

    private void consumed(NamespaceFeed feed, OffsetDateTime at) {
        read = true;
        if (at != null && (feed.consumedUpTo == null || at.toInstant().isAfter(feed.consumedUpTo))) {
            feed.consumedUpTo = at.toInstant();
        }
    }

    /**
     * {@code agentharness_operator_feed_lag_seconds}: how old the newest change the feed has consumed is, on the
     * injected clock (a drained feed is at the harness's horizon, a few seconds back), for the namespace furthest
     * behind. It grows while the harness cannot be read or a backlog is drained; 0 with nothing to follow; NaN
     * before the first page.
     */
    public double lagSeconds() {
        if (!read) {
            return Double.NaN;
        }
        Instant now = clock.instant();
        return namespaces.values().stream().map(n -> n.consumedUpTo).filter(java.util.Objects::nonNull)
                .mapToDouble(upTo -> Math.max(0, Duration.between(upTo, now).toMillis() / 1000.0))
                .max().orElse(0);
    }

    /** Links in a run are minted fresh on every read; without them two reads of an unchanged run are equal. */
    static RunResponse comparable(RunResponse run) {
        if (run.artifactUrl() == null) {
            return run;
        }
        return new RunResponse(run.runId(), run.sessionId(), run.agent(), run.model(), run.status(), run.reason(),
                run.reply(), run.usedSandbox(), null, run.artifactError(), run.artifacts(), run.usage(), run.traceId(),
                run.createdAt(), run.startedAt(), run.completedAt(), run.updatedAt(), run.progress(),
                run.sampledToPhoenix(), run.evaluations());
    }
}
