package dev.agentharness.operator.agentrun;

import dev.agentharness.api.ArtifactRef;
import dev.agentharness.api.RunResponse;
import dev.agentharness.crds.v1alpha1.Agent;
import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunPhase;
import dev.agentharness.crds.v1alpha1.AgentRunReason;
import dev.agentharness.crds.v1alpha1.AgentRunSpec;
import dev.agentharness.crds.v1alpha1.AgentRunStatus;
import dev.agentharness.crds.v1alpha1.ArtifactReference;
import dev.agentharness.crds.v1alpha1.ConditionStatus;
import dev.agentharness.crds.v1alpha1.RunEvaluation;
import dev.agentharness.crds.v1alpha1.RunProgress;
import dev.agentharness.crds.v1alpha1.RunUsage;
import dev.agentharness.crds.v1alpha1.SandboxManifest;
import dev.agentharness.operator.harness.HarnessAgents;
import dev.agentharness.operator.harness.HarnessClient;
import dev.agentharness.operator.harness.HarnessRejectedException;
import dev.agentharness.operator.harness.HarnessThrottledException;
import dev.agentharness.operator.harness.Redaction;
import dev.agentharness.operator.harness.HarnessUnavailableException;
import dev.agentharness.operator.kube.Conditions;
import dev.agentharness.operator.kube.EventRecorder;
import dev.agentharness.operator.observability.ReconcileMetrics;
import dev.agentharness.operator.sandboxmanifest.PortableManifest;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns an AgentRun into exactly one harness run and keeps its status true.
 *
 * <ol>
 *   <li><b>Validate</b> the spec and the referenced SandboxManifest (the harness's own validator);
 *       a problem ends the AgentRun {@code ValidationFailed} with the field in the message, and
 *       nothing is submitted. A SandboxManifest that does not exist yet is waited for a while.</li>
 *   <li><b>Submit</b> once, {@code POST /runs} with an {@code Idempotency-Key} derived from namespace,
 *       name and spec digest ({@link RunSubmission}): a retry, a restarted operator or a re-created
 *       identical AgentRun gets the same run back.</li>
 *   <li><b>Follow</b> it through the bulk feed ({@link HarnessRunFeed}); map harness states to phase
 *       and the {@code Succeeded} condition ({@link RunVerdict}); honour {@code cancel},
 *       {@code timeoutSeconds} and {@code ttlSecondsAfterFinished}; emit an Event per transition.</li>
 *   <li><b>Retry</b> an unreachable harness with exponential backoff while the
 *       condition says {@code HarnessUnavailable}: never a failure, never a second run.</li>
 *   <li><b>Clean up</b> through a finalizer: deleting a running AgentRun cancels its run.</li>
 * </ol>
 */
@ControllerConfiguration(name = AgentRunReconciler.NAME, finalizerName = AgentRunReconciler.FINALIZER)
public class AgentRunReconciler implements Reconciler<AgentRun>, Cleaner<AgentRun> {

    public static final String NAME = "agentrun";
    public static final String FINALIZER = "agentharness.dev/cancel-run";
    static final String BY_SANDBOX_MANIFEST = "by-sandbox-manifest";
    /** The AgentRuns not submitted yet, by {@code <namespace>/<spec.agent>}: the ones an Agent's change may unblock. */
    static final String BY_WAITING_AGENT = "by-waiting-agent";

    private static final Logger LOG = Logger.getLogger(AgentRunReconciler.class);

    private final HarnessClient harness;
    private final AgentRunSettings settings;
    private final EventRecorder events;
    private final Clock clock;
    private final HarnessRunFeed feed;
    private final RunSubmitter submitter;
    private final StatusPacing pacing;
    private final Tracer tracer;
    private final MeterRegistry meters;
    private final ReconcileMetrics metrics;
    /** When each running AgentRun's status was last written, for {@link StatusPacing}; forgotten when it ends. */
    private final Map<ResourceID, Instant> lastStatusWrite = new ConcurrentHashMap<>();
    /** Consecutive HarnessUnavailable reconciliations per AgentRun, for the backoff; forgotten on success. */
    private final Map<ResourceID, Integer> unavailableAttempts = new ConcurrentHashMap<>();

    @Inject
    public AgentRunReconciler(HarnessClient harness, HarnessAgents agents, AgentRunSettings settings,
                              KubernetesClient client, Clock clock, Tracer tracer, MeterRegistry meters) {
        this(harness, agents, settings, new EventRecorder(client, clock), clock, tracer, meters);
    }

    public AgentRunReconciler(HarnessClient harness, AgentRunSettings settings, EventRecorder events, Clock clock,
                              Tracer tracer, MeterRegistry meters) {
        this(harness, null, settings, events, clock, tracer, meters);
    }

    /** @param agents asked whether an agent without an Agent CR exists when the harness refuses its run; may be null */
    public AgentRunReconciler(HarnessClient harness, HarnessAgents agents, AgentRunSettings settings,
                              EventRecorder events, Clock clock, Tracer tracer, MeterRegistry meters) {
        this.tracer = tracer;
        this.meters = meters;
        this.metrics = new ReconcileMetrics(meters, ReconcileMetrics.AGENTRUN);
        this.harness = harness;
        this.settings = settings;
        this.events = events;
        this.clock = clock;
        this.feed = new HarnessRunFeed(harness, settings.pollInterval(), clock);
        this.submitter = new RunSubmitter(harness, agents, settings.submitConcurrency());
        this.pacing = new StatusPacing(settings.progressInterval());
        Gauge.builder("agentharness.operator.feed.lag", feed, HarnessRunFeed::lagSeconds)
                .description("Age of the newest change the harness run feed has consumed")
                .baseUnit("seconds")
                .register(meters);
    }

    public HarnessRunFeed feed() {
        return feed;
    }

    @Override
    public List<EventSource<?, AgentRun>> prepareEventSources(EventSourceContext<AgentRun> context) {
        context.getPrimaryCache().addIndexer(BY_SANDBOX_MANIFEST, run -> manifestKey(run).map(List::of).orElse(List.of()));
        AgentRunPhases.register(context.getPrimaryCache(), meters);
        // A SandboxManifest that appears (or changes) wakes the AgentRuns waiting for it.
        InformerEventSource<SandboxManifest, AgentRun> manifests = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(SandboxManifest.class, AgentRun.class)
                        .withName("sandbox-manifests")
                        .withSecondaryToPrimaryMapper(manifest -> context.getPrimaryCache()
                                .byIndex(BY_SANDBOX_MANIFEST, manifest.getMetadata().getNamespace() + "/"
                                        + manifest.getMetadata().getName())
                                .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
                        .withPrimaryToSecondaryMapper((AgentRun run) -> manifestKey(run)
                                .map(key -> Set.of(new ResourceID(run.getSpec().getSandboxManifestRef().getName(),
                                        run.getMetadata().getNamespace())))
                                .orElse(Set.of()))
                        .build(),
                context);
        // An Agent that appears or changes (a new active version) wakes the AgentRuns not yet submitted that name it.
        context.getPrimaryCache().addIndexer(BY_WAITING_AGENT, run -> waitingAgentKey(run).map(List::of).orElse(List.of()));
        InformerEventSource<Agent, AgentRun> agents = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Agent.class, AgentRun.class)
                        .withName("agents")
                        .withSecondaryToPrimaryMapper(agent -> context.getPrimaryCache()
                                .byIndex(BY_WAITING_AGENT, agent.getMetadata().getNamespace() + "/"
                                        + agent.getMetadata().getName())
                                .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
                        .withPrimaryToSecondaryMapper((AgentRun run) -> run.getSpec() == null
                                || run.getSpec().getAgent() == null ? Set.<ResourceID>of()
                                : Set.of(new ResourceID(run.getSpec().getAgent(), run.getMetadata().getNamespace())))
                        .build(),
                context);
        return List.of(feed, manifests, agents);
    }

    /** {@code <namespace>/<spec.agent>} while the AgentRun has no run yet (and has not ended); empty after. */
    private static Optional<String> waitingAgentKey(AgentRun run) {
        if (run.getSpec() == null || run.getSpec().getAgent() == null
                || (run.getStatus() != null && (run.getStatus().getRunId() != null || finished(run.getStatus())))) {
            return Optional.empty();
        }
        return Optional.of(run.getMetadata().getNamespace() + "/" + run.getSpec().getAgent());
    }

    private static Optional<String> manifestKey(AgentRun run) {
        if (run.getSpec() == null || run.getSpec().getSandboxManifestRef() == null
                || run.getSpec().getSandboxManifestRef().getName() == null) {
            return Optional.empty();
        }
        return Optional.of(run.getMetadata().getNamespace() + "/" + run.getSpec().getSandboxManifestRef().getName());
    }

    @Override
    public UpdateControl<AgentRun> reconcile(AgentRun run, Context<AgentRun> context) {
        return metrics.time(() -> reconcileNow(run, context));
    }

    private UpdateControl<AgentRun> reconcileNow(AgentRun run, Context<AgentRun> context) {
        AgentRunStatus status = run.getStatus() == null ? new AgentRunStatus() : run.getStatus();
        run.setStatus(status);
        String before = Serialization.asJson(status);
        StatusPacing.Written written = StatusPacing.Written.of(status);
        ResourceID id = ResourceID.fromResource(run);
        Instant now = clock.instant();
        UpdateControl<AgentRun> control;
        try {
            control = decide(run, status, context, now);
            // A reconciliation that only handed a submission to the submitter has not heard the harness yet.
            if (!submitter.holds(id) && unavailableAttempts.remove(id) != null) {
                LOG.infof("AgentRun %s/%s: the harness answers again", run.getMetadata().getNamespace(),
                        run.getMetadata().getName());
            }
        } catch (HarnessUnavailableException e) {
            control = unavailable(run, status, id, e);
        }
        if (!control.isPatchStatus()) {
            return control;
        }
        if (before.equals(Serialization.asJson(run.getStatus()))) {
            // Nothing changed (e.g. a repeated page of the feed): no API call, but keep the schedule.
            UpdateControl<AgentRun> unchanged = UpdateControl.noUpdate();
            control.getScheduleDelay().ifPresent(unchanged::rescheduleAfter);
            return unchanged;
        }
        Optional<Duration> holdBack = pacing.holdBack(written, run.getStatus(), lastStatusWrite.get(id), now);
        if (holdBack.isPresent()) {
            // Only progress changed, and the status was written a moment ago: look again when it may be written.
            long delay = Math.min(holdBack.get().toMillis(), control.getScheduleDelay().orElse(Long.MAX_VALUE));
            return UpdateControl.<AgentRun>noUpdate().rescheduleAfter(Math.max(delay, 1));
        }
        if (finished(run.getStatus())) {
            lastStatusWrite.remove(id);
        } else {
            lastStatusWrite.put(id, now);
        }
        return control;
    }

    private UpdateControl<AgentRun> decide(AgentRun run, AgentRunStatus status, Context<AgentRun> context, Instant now) {
        if (finished(status)) {
            boolean changed = observeGeneration(run, status);
            if (evaluationDeadline(status).filter(now::isBefore).isPresent()) {
                RunEvaluation evaluation = feed.latest(ResourceID.fromResource(run))
                        .filter(latest -> status.getRunId().equals(latest.runId()))
                        .map(latest -> EvaluationSummary.of(latest.evaluations())).orElse(null);
                if (evaluation != null) {
                    status.setEvaluation(evaluation);
                    changed = true;
                }
            }
            return awaitEvaluations(run, status, afterFinish(run, status, context, now, changed), now);
        }
        if (status.getRunId() == null) {
            ResourceID id = ResourceID.fromResource(run);
            Optional<RunSubmitter.Outcome> outcome = submitter.take(id);
            if (outcome.isPresent()) {
                return submitted(run, status, context, now, outcome.get());
            }
            if (submitter.pending(id)) {
                return UpdateControl.noUpdate();
            }
            return submit(run, status, context, now);
        }
        return follow(run, status, context, now);
    }

    // ---- 1 + 2: validate and submit ----

    private UpdateControl<AgentRun> submit(AgentRun run, AgentRunStatus status, Context<AgentRun> context, Instant now) {
        AgentRunSpec spec = run.getSpec();
        if (spec != null && Boolean.TRUE.equals(spec.getCancel())) {
            return finish(run, status, context, now, AgentRunPhase.Cancelled, AgentRunReason.Cancelled,
                    "cancelled before it was submitted (spec.cancel is true); nothing ran");
        }
        Optional<String> problem = SpecValidation.problem(spec);
        if (problem.isPresent()) {
            return finish(run, status, context, now, AgentRunPhase.Failed, AgentRunReason.ValidationFailed,
                    problem.get() + "; nothing ran");
        }
        PortableManifest manifest = null;
        Integer manifestTimeout = null;
        if (spec.getSandboxManifestRef() != null) {
            String name = spec.getSandboxManifestRef().getName();
            Optional<SandboxManifest> found = context.getSecondaryResource(SandboxManifest.class);
            if (found.isEmpty()) {
                Duration waited = Duration.between(created(run, now), now);
                if (waited.compareTo(settings.sandboxManifestGrace()) < 0) {
                    setReason(run, status, now, AgentRunPhase.Pending, AgentRunReason.Pending,
                            "waiting for SandboxManifest '" + name + "' in namespace " + run.getMetadata().getNamespace());
                    return UpdateControl.patchStatus(run).rescheduleAfter(settings.sandboxManifestGrace().minus(waited));
                }
                return finish(run, status, context, now, AgentRunPhase.Failed, AgentRunReason.ValidationFailed,
                        "spec.sandboxManifestRef.name: SandboxManifest '" + name + "' not found in namespace "
                                + run.getMetadata().getNamespace() + " (waited " + settings.sandboxManifestGrace().toSeconds()
                                + "s); nothing ran");
            }
            manifest = PortableManifest.of(found.get().getSpec());
            if (!manifest.valid()) {
                return finish(run, status, context, now, AgentRunPhase.Failed, AgentRunReason.ValidationFailed,
                        "spec.sandboxManifestRef.name: SandboxManifest '" + name + "' is invalid: " + manifest.summary()
                                + "; nothing ran");
            }
            manifestTimeout = found.get().getSpec().getTimeoutSeconds();
        }
        // The agent: an Agent of the namespace serves its active version (or the pinned one); any other name is the
        // harness's (built-in, file, registered through the API), which the submitter asks about only on a rejection.
        String agentVersion = spec.getAgentVersion();
        String harnessAgent = null;
        Optional<Agent> agent = context.getSecondaryResource(Agent.class);
        if (agent.isEmpty()) {
            harnessAgent = spec.getAgent();
        } else if (agentVersion == null) {
            agentVersion = agent.get().getStatus() == null ? null : agent.get().getStatus().getActiveVersion();
            if (agentVersion == null) {
                return awaitAgent(run, status, context, now, "Agent '" + spec.getAgent() + "' to get an active version ("
                        + agentState(agent.get()) + ")");
            }
        }
        RunSubmission submission = RunSubmission.of(run, manifest == null ? null : manifest.manifest(), manifestTimeout,
                agentVersion, harnessAgent);
        ResourceID id = ResourceID.fromResource(run);
        Span span = reconcileSpan(run, now);
        // Off this thread (RunSubmitter): the status is written when the outcome is here, by the reconciliation it
        // triggers. The span is current while the submission is handed over, so POST /runs carries its traceparent.
        boolean handedOver;
        try (Scope ignored = span.makeCurrent()) {
            handedOver = submitter.submit(id, submission, outcome -> {
                endReconcileSpan(span, outcome);
                if (outcome instanceof RunSubmitter.Outcome.Submitted submitted) {
                    feed.track(id, submitted.run().runId());
                    feed.offer(id, submitted.run());
                }
                feed.wake(id);
            });
        }
        if (!handedOver) {
            span.end();
        }
        return UpdateControl.noUpdate();
    }

    /** The Agent's Ready reason (Valid, Evaluating, EvaluationFailed, Invalid) for a waiting AgentRun's message. */
    private static String agentState(Agent agent) {
        return Optional.ofNullable(agent.getStatus()).flatMap(s -> s.condition(Agent.READY))
                .map(c -> "now " + c.getReason())
                .orElse("the operator has not registered it yet");
    }

    /**
     * {@code spec.agent} cannot serve yet: the AgentRun stays {@code Pending} with reason {@code AgentNotReady} until
     * {@link AgentRunSettings#agentWait()} after its creation, then ends {@code ValidationFailed} naming spec.agent.
     * An Agent's change wakes it (the {@code agents} event source); it also looks again every
     * {@link AgentRunSettings#retryMax()} (an agent registered or activated on the harness has no event here).
     */
    private UpdateControl<AgentRun> awaitAgent(AgentRun run, AgentRunStatus status, Context<AgentRun> context,
                                               Instant now, String waitingFor) {
        Duration waited = Duration.between(created(run, now), now);
        Duration wait = settings.agentWait();
        if (waited.compareTo(wait) < 0) {
            setReason(run, status, now, AgentRunPhase.Pending, AgentRunReason.AgentNotReady, "waiting for " + waitingFor
                    + "; nothing is submitted until then, and the AgentRun fails after HARNESS_AGENT_WAIT ("
                    + HumanDuration.of(wait) + ")");
            Duration left = wait.minus(waited);
            return UpdateControl.patchStatus(run).rescheduleAfter(positive(
                    left.compareTo(settings.retryMax()) < 0 ? left : settings.retryMax()));
        }
        return finish(run, status, context, now, AgentRunPhase.Failed, AgentRunReason.ValidationFailed,
                "spec.agent: '" + run.getSpec().getAgent() + "' is not ready: waited " + HumanDuration.of(wait)
                        + " (HARNESS_AGENT_WAIT) for " + waitingFor + "; nothing ran");
    }

    /**
     * The trace an AgentRun's run joins: the harness continues the {@code traceparent} of {@code POST /runs}, stores
     * this trace id on the run, and {@link #fill} copies it into {@code status.traceId}. Started when the
     * reconciliation started, ended when the harness has answered the submission. Names and ids only: nothing of
     * the spec (the input may be private) and never the API token.
     */
    private Span reconcileSpan(AgentRun run, Instant reconcileStarted) {
        Span span = tracer.spanBuilder("reconcile AgentRun")
                .setNoParent()
                .setStartTimestamp(reconcileStarted)
                .setAttribute("k8s.namespace.name", run.getMetadata().getNamespace())
                .setAttribute("agentharness.agentrun.name", run.getMetadata().getName())
                .startSpan();
        if (run.getMetadata().getUid() != null) {
            span.setAttribute("agentharness.agentrun.uid", run.getMetadata().getUid());
        }
        return span;
    }

    private static void endReconcileSpan(Span span, RunSubmitter.Outcome outcome) {
        switch (outcome) {
            case RunSubmitter.Outcome.Submitted submitted -> span.setAttribute("run_id", submitted.run().runId());
            case RunSubmitter.Outcome.Unavailable unavailable ->
                    span.setStatus(StatusCode.ERROR, "the harness is unavailable; the operator retries");
            case RunSubmitter.Outcome.Rejected rejected ->
                    span.setStatus(StatusCode.ERROR, "the harness rejected the run (HTTP " + rejected.failure().status() + ")");
            case RunSubmitter.Outcome.AgentNotReady notReady ->
                    span.setStatus(StatusCode.ERROR, "the agent cannot serve the run yet");
        }
        span.end();
    }

    /** The submission's outcome onto the status: the run (followed from here on), a rejection, or an unavailable harness. */
    private UpdateControl<AgentRun> submitted(AgentRun run, AgentRunStatus status, Context<AgentRun> context, Instant now,
                                              RunSubmitter.Outcome outcome) {
        return switch (outcome) {
            case RunSubmitter.Outcome.Submitted submitted -> {
                status.setRunId(submitted.run().runId());
                status.setIdempotencyKey(submitted.idempotencyKey());
                LOG.infof("AgentRun %s/%s submitted as run %s", run.getMetadata().getNamespace(),
                        run.getMetadata().getName(), submitted.run().runId());
                yield follow(run, status, context, now);
            }
            case RunSubmitter.Outcome.Unavailable unavailable -> throw unavailable.failure();
            case RunSubmitter.Outcome.AgentNotReady notReady -> awaitAgent(run, status, context, now, notReady.waitingFor());
            case RunSubmitter.Outcome.Rejected rejected -> {
                HarnessRejectedException e = rejected.failure();
                AgentRunSpec spec = run.getSpec();
                String message = e.conflict()
                        ? "the harness already ran this AgentRun (same namespace, name and spec: Idempotency-Key "
                                + rejected.idempotencyKey() + ") with a different request, usually because the referenced "
                                + "SandboxManifest changed since (or the active version of the Agent it names)" + (spec.getSessionId() == null ? "" : " or because it ran "
                                + "before sessions were scoped to their namespace (operator upgrade)")
                                + "; it was not run again. Set a new spec.runNonce or use a new name to run it again"
                        : "the harness rejected the run: " + e.detail() + "; nothing ran";
                yield finish(run, status, context, now, AgentRunPhase.Failed, AgentRunReason.ValidationFailed, message);
            }
        };
    }

    // ---- 3: follow ----

    private UpdateControl<AgentRun> follow(AgentRun run, AgentRunStatus status, Context<AgentRun> context, Instant now) {
        ResourceID id = ResourceID.fromResource(run);
        String runId = status.getRunId();
        feed.track(id, runId);
        if (!runSpecUnchanged(run, status)) {
            events.warning(run, "SpecChangeIgnored", "spec is immutable once submitted (run " + runId + " keeps "
                    + "running as submitted); to run something else, create an AgentRun with a new name or a new "
                    + "spec.runNonce");
        }
        RunResponse current;
        Optional<RunResponse> cached = feed.latest(id);
        if (cached.isPresent()) {
            current = cached.get();
        } else {
            try {
                current = harness.run(run.getMetadata().getNamespace(), runId);
            } catch (HarnessRejectedException e) {
                return finish(run, status, context, now, AgentRunPhase.Failed, AgentRunReason.Failed,
                        "the harness no longer knows run " + runId + " (" + e.detail() + "): its state was lost, "
                                + "or the operator now uses another API token");
            }
            feed.remember(id, current);
        }
        if (!current.status().terminal()) {
            if (Boolean.TRUE.equals(run.getSpec().getCancel())) {
                if (!Boolean.TRUE.equals(status.getCancelRequested())) {
                    current = cancel(run, runId, current);
                    status.setCancelRequested(true);
                    feed.remember(id, current);
                }
            } else {
                Optional<Instant> deadline = deadline(run, current);
                if (deadline.isPresent() && !now.isBefore(deadline.get())) {
                    RunResponse cancelled = cancel(run, runId, current);
                    noticeMove(run, status, cancelled);
                    fill(status, run.getSpec(), cancelled);
                    return finish(run, status, context, now, AgentRunPhase.TimedOut, AgentRunReason.TimedOut,
                            "run " + runId + " exceeded spec.timeoutSeconds=" + run.getSpec().getTimeoutSeconds()
                                    + "; the operator cancelled it on the harness");
                }
            }
        }
        return apply(run, status, context, now, current);
    }

    private RunResponse cancel(AgentRun run, String runId, RunResponse current) {
        try {
            RunResponse cancelled = harness.cancel(run.getMetadata().getNamespace(), runId);
            events.normal(run, "CancelRequested", "asked the harness to cancel run " + runId);
            return cancelled;
        } catch (HarnessRejectedException e) {
            LOG.debugf("cancel of %s refused: %s", runId, e.detail());
            return current;
        }
    }

    /** The harness enforces timeout_seconds between turns; the operator backs it up, queue time included, plus a grace. */
    private Optional<Instant> deadline(AgentRun run, RunResponse current) {
        Integer timeout = run.getSpec().getTimeoutSeconds();
        if (timeout == null) {
            return Optional.empty();
        }
        Instant started = current.createdAt() != null ? current.createdAt().toInstant() : created(run, clock.instant());
        return Optional.of(started.plusSeconds(timeout).plus(settings.timeoutGrace()));
    }

    /** Maps the harness run onto the status, then decides when to look again. */
    private UpdateControl<AgentRun> apply(AgentRun run, AgentRunStatus status, Context<AgentRun> context, Instant now,
                                          RunResponse current) {
        noticeMove(run, status, current);
        fill(status, run.getSpec(), current);
        RunVerdict verdict = RunVerdict.of(current);
        if (verdict.reason().finished()) {
            BoundedReply reply = BoundedReply.of(current.reply(), AgentRunStatus.MAX_REPLY_BYTES);
            status.setReply(reply.text());
            status.setReplyTruncated(reply.truncated() ? Boolean.TRUE : null);
            status.setArtifacts(artifacts(current.artifacts()));
            status.setEvaluation(EvaluationSummary.of(current.evaluations()));
            Instant completed = current.completedAt() != null ? current.completedAt().toInstant() : now;
            return awaitEvaluations(run, status, finishAt(run, status, context, now, completed, verdict.phase(),
                    verdict.reason(), verdict.message()), now);
        }
        setReason(run, status, now, verdict.phase(), verdict.reason(), verdict.message());
        UpdateControl<AgentRun> control = UpdateControl.patchStatus(run);
        return deadline(run, current)
                .map(deadline -> control.rescheduleAfter(positive(Duration.between(now, deadline))))
                .orElse(control);
    }

    /** A {@code Resumed} Event when another replica took the run over since the status was last written. */
    private void noticeMove(AgentRun run, AgentRunStatus status, RunResponse current) {
        ReplicaMove.between(status.getProgress(), current.progress(), current.runId()).ifPresent(move -> {
            LOG.infof("AgentRun %s/%s: %s", run.getMetadata().getNamespace(), run.getMetadata().getName(),
                    move.message());
            events.normal(run, "Resumed", move.message());
        });
    }

    /**
     * @param spec the AgentRun's spec: its {@code sessionId} is what the status shows (the harness knows it scoped to
     *             the namespace, {@link NamespacedSession}); without one, the harness's id of the run's own session
     */
    private static void fill(AgentRunStatus status, AgentRunSpec spec, RunResponse run) {
        status.setRunId(run.runId());
        status.setSessionId(spec != null && spec.getSessionId() != null ? spec.getSessionId() : run.sessionId());
        status.setTraceId(run.traceId());
        status.setUsedSandbox(run.usedSandbox());
        if (run.agentVersion() != null) {
            status.setAgentVersion(run.agentVersion());
        }
        if (run.createdAt() != null) {
            status.setStartTime(Conditions.timestamp(run.createdAt().toInstant()));
        }
        if (run.usage() != null) {
            status.setUsage(new RunUsage(run.usage().inputTokens(), run.usage().cachedInputTokens(),
                    run.usage().outputTokens(),
                    BigDecimal.valueOf(run.usage().costUsd()).stripTrailingZeros().toPlainString()));
        }
        if (run.progress() != null) {
            // A harness without progress (older than the run journal) leaves whatever was written before.
            status.setProgress(new RunProgress(run.progress().turns(), run.progress().steps(),
                    run.progress().lastStep(), run.progress().attempts(), run.progress().recoveries()));
        }
    }

    private static List<ArtifactReference> artifacts(List<ArtifactRef> artifacts) {
        if (artifacts == null || artifacts.isEmpty()) {
            return null;
        }
        return artifacts.stream().limit(AgentRunStatus.MAX_ARTIFACTS)
                .map(a -> new ArtifactReference(a.name(), a.key(), a.size(), a.sha256())).toList();
    }

    // ---- finishing, TTL ----

    private UpdateControl<AgentRun> finish(AgentRun run, AgentRunStatus status, Context<AgentRun> context, Instant now,
                                           AgentRunPhase phase, AgentRunReason reason, String message) {
        return finishAt(run, status, context, now, now, phase, reason, message);
    }

    private UpdateControl<AgentRun> finishAt(AgentRun run, AgentRunStatus status, Context<AgentRun> context, Instant now,
                                             Instant completed, AgentRunPhase phase, AgentRunReason reason,
                                             String message) {
        status.setCompletionTime(Conditions.timestamp(completed));
        Instant started = status.getStartTime() != null ? Instant.parse(status.getStartTime()) : created(run, completed);
        status.setDuration(HumanDuration.of(Duration.between(started, completed)));
        setReason(run, status, now, phase, reason, message);
        feed.untrack(ResourceID.fromResource(run));
        return afterFinish(run, status, context, now, true);
    }

    /** A finished AgentRun only waits for its TTL (if any), then is deleted. */
    private UpdateControl<AgentRun> afterFinish(AgentRun run, AgentRunStatus status, Context<AgentRun> context,
                                                Instant now, boolean statusChanged) {
        UpdateControl<AgentRun> control = statusChanged ? UpdateControl.patchStatus(run) : UpdateControl.noUpdate();
        Integer ttl = run.getSpec() == null ? null : run.getSpec().getTtlSecondsAfterFinished();
        if (ttl == null || status.getCompletionTime() == null) {
            return control;
        }
        Instant due = Instant.parse(status.getCompletionTime()).plusSeconds(ttl);
        if (now.isBefore(due) || statusChanged) {
            return control.rescheduleAfter(positive(Duration.between(now, due)));
        }
        events.normal(run, "Expired", "deleting: finished at " + status.getCompletionTime()
                + " and ttlSecondsAfterFinished=" + ttl + " has passed");
        context.getClient().resource(run).delete();
        return UpdateControl.noUpdate();
    }

    // ---- evaluations, after the end ----

    /**
     * Until when a finished AgentRun waits for its run's evaluations: the harness grades a run asynchronously after it
     * finished and then moves its {@code updated_at}, so the feed — one bulk request per namespace, already polling —
     * carries the run again with them. The AgentRun stays tracked until they arrive or {@code evaluationWait} after the
     * run's end, whichever comes first: a bounded wait with no request of its own, never a poll forever (an agent
     * without evaluators simply never gets {@code status.evaluation}). Empty when it does not wait.
     */
    private Optional<Instant> evaluationDeadline(AgentRunStatus status) {
        if (status.getEvaluation() != null || status.getRunId() == null || status.getCompletionTime() == null
                || settings.evaluationWait().isZero()) {
            return Optional.empty();
        }
        return Optional.of(Instant.parse(status.getCompletionTime()).plus(settings.evaluationWait()));
    }

    /** Keeps a finished run in the feed while its evaluations are awaited, and looks again at the deadline. */
    private UpdateControl<AgentRun> awaitEvaluations(AgentRun run, AgentRunStatus status,
                                                     UpdateControl<AgentRun> control, Instant now) {
        ResourceID id = ResourceID.fromResource(run);
        Optional<Instant> deadline = evaluationDeadline(status).filter(now::isBefore);
        if (deadline.isEmpty()) {
            feed.untrack(id);
            return control;
        }
        feed.track(id, status.getRunId());
        long wait = positive(Duration.between(now, deadline.get())).toMillis();
        return control.rescheduleAfter(control.getScheduleDelay().map(delay -> Math.min(delay, wait)).orElse(wait));
    }

    private static boolean observeGeneration(AgentRun run, AgentRunStatus status) {
        Long generation = run.getMetadata().getGeneration();
        if (generation != null && !generation.equals(status.getObservedGeneration())) {
            status.setObservedGeneration(generation);
            return true;
        }
        return false;
    }

    /** True when the spec still gives the key the run was submitted with (no CEL on this API server otherwise). */
    private static boolean runSpecUnchanged(AgentRun run, AgentRunStatus status) {
        if (status.getIdempotencyKey() == null || Long.valueOf(status.getObservedGeneration() == null ? -1
                : status.getObservedGeneration()).equals(run.getMetadata().getGeneration())) {
            return true;
        }
        String key = RunSubmission.idempotencyKey(run.getMetadata().getNamespace(), run.getMetadata().getName(),
                RunSubmission.specDigest(run.getSpec()));
        return key.equals(status.getIdempotencyKey());
    }

    /**
     * Sets phase and the Succeeded condition. An Event when the AgentRun ends (Normal when it succeeded, Warning
     * otherwise) and a Warning when the harness cannot be reached; the steps in between
     * (Pending, Queued, Running) are in the status only: an Event is an API write, and at a thousand AgentRuns
     * one per step was half of the operator's writes (docs/benchmarks.md).
     */
    private void setReason(AgentRun run, AgentRunStatus status, Instant now, AgentRunPhase phase, AgentRunReason reason,
                           String message) {
        status.setPhase(phase);
        status.setObservedGeneration(run.getMetadata().getGeneration());
        boolean changed = Conditions.set(status.getConditions(), AgentRun.SUCCEEDED, reason.conditionStatus(),
                reason.name(), message, run.getMetadata().getGeneration(), now);
        if (!changed) {
            return;
        }
        if (ConditionStatus.FALSE.equals(reason.conditionStatus()) || reason == AgentRunReason.HarnessUnavailable
                || reason == AgentRunReason.Throttled || reason == AgentRunReason.Suspended) {
            events.warning(run, reason.name(), message);
        } else if (reason.finished()) {
            events.normal(run, reason.name(), message);
        }
    }

    private static boolean finished(AgentRunStatus status) {
        return status.condition(AgentRun.SUCCEEDED)
                .map(c -> !ConditionStatus.UNKNOWN.equals(c.getStatus()))
                .orElse(false);
    }

    private static Instant created(AgentRun run, Instant fallback) {
        String created = run.getMetadata().getCreationTimestamp();
        return created == null ? fallback : OffsetDateTime.parse(created).toInstant();
    }

    private static Duration positive(Duration duration) {
        return duration.isNegative() || duration.isZero() ? Duration.ofMillis(1) : duration;
    }

    // ---- 4: harness unavailable ----

    /**
     * The harness could not be asked: the run is not failed. The condition says why and that the
     * operator retries with exponential backoff ({@link AgentRunSettings#retryInitial()} doubling up
     * to {@link AgentRunSettings#retryMax()}); the next successful reconciliation resumes where this
     * one stopped, with the same Idempotency-Key. Handled here rather than by JOSDK's retry so that
     * an outage is one log line per AgentRun, not a stack trace per attempt.
     */
    private UpdateControl<AgentRun> unavailable(AgentRun run, AgentRunStatus status, ResourceID id,
                                                HarnessUnavailableException e) {
        if (e instanceof HarnessThrottledException throttled) {
            return throttled(run, status, id, throttled);
        }
        int attempt = unavailableAttempts.merge(id, 1, Integer::sum);
        if (attempt == 1) {
            LOG.warnf("AgentRun %s/%s: %s; retrying with backoff", run.getMetadata().getNamespace(),
                    run.getMetadata().getName(), e.getMessage());
        }
        Duration delay = backoff(attempt);
        AgentRunPhase phase = status.getRunId() == null ? AgentRunPhase.Pending
                : status.getPhase() == null ? AgentRunPhase.Running : status.getPhase();
        setReason(run, status, clock.instant(), phase, AgentRunReason.HarnessUnavailable,
                e.getMessage() + "; retrying with exponential backoff (attempt " + attempt + ", next in "
                        + HumanDuration.of(delay.plusMillis(999)) + "), " + (status.getRunId() == null
                        ? "nothing is submitted twice" : "run " + status.getRunId() + " is unaffected"));
        return UpdateControl.patchStatus(run).rescheduleAfter(delay);
    }

    private Duration backoff(int attempt) {
        Duration delay = settings.retryInitial().multipliedBy(1L << Math.min(attempt - 1, 20));
        return delay.compareTo(settings.retryMax()) > 0 ? settings.retryMax() : delay;
    }

    /**
     * The harness holds the namespace back: at a limit ({@code Throttled}: 429/402, the limit named) or suspended
     * ({@code Suspended}). Not a failure and not an outage: the AgentRun stays {@code Unknown}, waits the harness's
     * {@code Retry-After} (at most {@link AgentRunSettings#throttleMaxWait()}; the backoff when none is given) and
     * then asks again — a submission with the same Idempotency-Key, so a run is created at most once. The message is
     * the same on every repetition of the same limit, so waiting costs no status writes.
     */
    private UpdateControl<AgentRun> throttled(AgentRun run, AgentRunStatus status, ResourceID id,
                                              HarnessThrottledException e) {
        int attempt = unavailableAttempts.merge(id, 1, Integer::sum);
        Duration delay = e.retryAfter().orElseGet(() -> backoff(attempt));
        if (delay.compareTo(settings.throttleMaxWait()) > 0) {
            delay = settings.throttleMaxWait();
        }
        if (delay.isZero() || delay.isNegative()) {
            delay = settings.retryInitial();
        }
        if (attempt == 1) {
            LOG.infof("AgentRun %s/%s: %s; waiting %s", run.getMetadata().getNamespace(), run.getMetadata().getName(),
                    e.getMessage(), delay);
        }
        AgentRunPhase phase = status.getRunId() == null ? AgentRunPhase.Pending
                : status.getPhase() == null ? AgentRunPhase.Running : status.getPhase();
        String namespace = run.getMetadata().getNamespace();
        String limit = e.limit().map(l -> "limit " + l).orElse("a limit");
        String message = e.suspended()
                ? "namespace " + namespace + " is suspended on the harness: " + e.getMessage() + "; the operator asks "
                        + "again every " + HumanDuration.of(delay) + " and resumes once it is lifted, "
                        + (status.getRunId() == null ? "nothing is submitted twice" : "run " + status.getRunId()
                        + " is unaffected")
                : "namespace " + namespace + " is at " + limit + " on the harness: " + e.getMessage() + "; "
                        + (status.getRunId() == null ? "the run is submitted (once, same Idempotency-Key) "
                        + "when the harness accepts it, next try in " + HumanDuration.of(delay)
                        : "run " + status.getRunId() + " is unaffected, looking again in " + HumanDuration.of(delay));
        setReason(run, status, clock.instant(), phase, e.suspended() ? AgentRunReason.Suspended : AgentRunReason.Throttled,
                Redaction.clean(message, null));
        return UpdateControl.patchStatus(run).rescheduleAfter(delay);
    }

    /** Anything else (a Kubernetes API error, a bug): JOSDK's retry with backoff and its logging. */
    @Override
    public ErrorStatusUpdateControl<AgentRun> updateErrorStatus(AgentRun run, Context<AgentRun> context, Exception e) {
        return ErrorStatusUpdateControl.defaultErrorProcessing();
    }

    // ---- 5: finalizer ----

    /** Deleting an AgentRun whose run is still going cancels the run; a finished one just goes. */
    @Override
    public DeleteControl cleanup(AgentRun run, Context<AgentRun> context) {
        return metrics.time(() -> cleanupNow(run));
    }

    private DeleteControl cleanupNow(AgentRun run) {
        ResourceID id = ResourceID.fromResource(run);
        AgentRunStatus status = run.getStatus();
        String runId = status == null ? null : status.getRunId();
        if (runId == null) {
            if (submitter.pending(id)) {
                // Its run is being submitted: wait for the answer, so that the run can be cancelled, not orphaned.
                return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofMillis(200));
            }
            runId = submitter.take(id).filter(RunSubmitter.Outcome.Submitted.class::isInstance)
                    .map(submitted -> ((RunSubmitter.Outcome.Submitted) submitted).run().runId()).orElse(null);
        }
        if (runId != null && (status == null || !finished(status))) {
            try {
                harness.cancel(run.getMetadata().getNamespace(), runId);
                events.normal(run, "Cancelled", "the AgentRun was deleted, so its run " + runId
                        + " was cancelled on the harness");
            } catch (HarnessRejectedException gone) {
                LOG.debugf("run %s could not be cancelled (%s); deleting anyway", runId, gone.detail());
            } catch (HarnessUnavailableException e) {
                Instant deleted = run.getMetadata().getDeletionTimestamp() == null ? clock.instant()
                        : OffsetDateTime.parse(run.getMetadata().getDeletionTimestamp()).toInstant();
                Duration waited = Duration.between(deleted, clock.instant());
                if (waited.compareTo(settings.cleanupGiveUpAfter()) < 0) {
                    LOG.infof("cannot cancel run %s yet (%s); the finalizer stays", runId, e.getMessage());
                    Duration retry = waited.dividedBy(2);
                    retry = retry.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1)
                            : retry.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : retry;
                    return DeleteControl.noFinalizerRemoval().rescheduleAfter(retry);
                }
                events.warning(run, "CleanupAbandoned", "could not cancel run " + runId + " for "
                        + settings.cleanupGiveUpAfter().toSeconds() + "s (" + e.getMessage()
                        + "); deleting the AgentRun anyway, the run may still finish on the harness");
            }
        }
        feed.untrack(id);
        submitter.forget(id);
        lastStatusWrite.remove(id);
        unavailableAttempts.remove(id);
        return DeleteControl.defaultDelete();
    }
}
