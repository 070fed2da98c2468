package dev.agentharness.operator.agent;

import dev.agentharness.api.agents.AgentCatalog;
import dev.agentharness.api.agents.AgentEvaluation;
import dev.agentharness.api.agents.AgentEvaluationRequest;
import dev.agentharness.api.agents.AgentSpecValidation;
import dev.agentharness.api.agents.AgentSpecValidator;
import dev.agentharness.api.agents.AgentVersion;
import dev.agentharness.api.agents.AgentView;
import dev.agentharness.crds.v1alpha1.Agent;
import dev.agentharness.crds.v1alpha1.AgentEvaluationStatus;
import dev.agentharness.crds.v1alpha1.AgentReason;
import dev.agentharness.crds.v1alpha1.AgentStatus;
import dev.agentharness.crds.v1alpha1.ConditionStatus;
import dev.agentharness.crds.v1alpha1.SandboxManifest;
import dev.agentharness.operator.agentrun.AgentRunSettings;
import dev.agentharness.operator.agentrun.HumanDuration;
import dev.agentharness.operator.harness.HarnessAgents;
import dev.agentharness.operator.harness.HarnessRejectedException;
import dev.agentharness.operator.harness.HarnessThrottledException;
import dev.agentharness.operator.harness.HarnessUnavailableException;
import dev.agentharness.operator.harness.Redaction;
import dev.agentharness.operator.kube.Conditions;
import dev.agentharness.operator.kube.EventRecorder;
import dev.agentharness.operator.observability.ReconcileMetrics;
import dev.agentharness.operator.sandboxmanifest.PortableManifest;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The promotion gate: turns an Agent into a registered, evaluated and activated version on the harness, and keeps its
 * status true. One controller for the Agent resource (Keycloak-operator layout); the status is built fresh on every
 * reconciliation and patched only when it differs.
 *
 * <ol>
 *   <li><b>Validate</b> the spec with the harness's own {@link AgentSpecValidator} ({@code Source.KUBERNETES}; the
 *       catalog is the namespace's Agents — their handoffs, for unknown names and cycles — and, for names without an
 *       Agent, the harness's {@code GET /agents/{name}}). A problem: {@code Ready=False Invalid} naming the field, and
 *       nothing reaches the harness.</li>
 *   <li><b>Resolve</b> {@code sandboxManifestRef} into the SandboxManifest's manifest (part of the version) and read the
 *       golden set and baseline (a ConfigMap key, or a file in git at a commit).</li>
 *   <li><b>Register</b> the candidate ({@code PUT /agents/{name}}, idempotent). The harness's 422 is
 *       {@code Invalid} with its detail (it knows the tools, guardrails and evaluators).</li>
 *   <li>Without {@code spec.evaluation}: <b>activate</b> it at once ({@code PUT /agents/{name}/active}) →
 *       {@code Ready=True Active}. With it: <b>evaluate</b> ({@code POST /agents/{name}/evaluations}) →
 *       {@code Ready=False Evaluating}, polled by rescheduling; {@code passed} → activate → {@code Active};
 *       {@code failed} → {@code EvaluationFailed} naming the failing cases, {@code activeVersion} unchanged, a Warning
 *       Event; {@code error} → asked again, at most {@link #MAX_EVALUATION_ERRORS} times, with backoff.</li>
 *   <li>An unreachable harness is {@code Ready=Unknown HarnessUnavailable}, retried with exponential backoff. A golden
 *       set in git is read in the background ({@link GitFiles#current}): until the first read is done the Agent is
 *       {@code Ready=False Valid} "reading …".</li>
 * </ol>
 * A referenced ConfigMap or SandboxManifest that changes, and any other Agent of the namespace whose spec or active
 * version changes (handoffs), reconcile the Agent again.
 */
@ControllerConfiguration(name = AgentReconciler.NAME)
public class AgentReconciler implements Reconciler<Agent> {

    public static final String NAME = "agent";
    /** Evaluations that end in {@code error} (the harness could not finish them) are asked for again this often. */
    public static final int MAX_EVALUATION_ERRORS = 3;
    /** The longest pause between two looks at a running evaluation. */
    static final Duration MAX_POLL = Duration.ofSeconds(30);
    /** How long the harness's answer about an agent without an Agent resource (its handoffs) is kept. */
    static final Duration HARNESS_AGENT_TTL = Duration.ofSeconds(60);
    static final String BY_CONFIG_MAP = "by-config-map";
    static final String BY_SANDBOX_MANIFEST = "by-sandbox-manifest";

    private static final Logger LOG = Logger.getLogger(AgentReconciler.class);

    private final HarnessAgents harness;
    private final KubernetesClient client;
    private final AgentRunSettings settings;
    private final EventRecorder events;
    private final Clock clock;
    private final ReconcileMetrics metrics;
    private final GoldenSets goldenSets;
    /** Consecutive HarnessUnavailable reconciliations per Agent, for the backoff; forgotten on success. */
    private final Map<ResourceID, Integer> unavailableAttempts = new ConcurrentHashMap<>();
    /** The evaluation each Agent follows: asked for with this version and golden set. Lost on restart: asked again. */
    private final Map<ResourceID, Followed> followed = new ConcurrentHashMap<>();
    /** Evaluations of (Agent, version, golden set) that ended in error. */
    private final Map<String, Integer> evaluationErrors = new ConcurrentHashMap<>();
    /** Looks at a running evaluation, by evaluation id, for the polling pace. */
    private final Map<String, Integer> polls = new ConcurrentHashMap<>();
    private final Map<String, HarnessAgent> harnessAgents = new ConcurrentHashMap<>();

    private record Followed(String version, String digest, String evaluationId) {
    }

    private record HarnessAgent(Optional<List<String>> handoffs, Instant at) {
    }

    /** What one reconciliation decided: the Ready condition and when to look again. */
    private record Verdict(String status, AgentReason reason, String message, Duration requeue) {
    }

    @Inject
    public AgentReconciler(HarnessAgents harness, KubernetesClient client, AgentRunSettings settings, Clock clock,
                           MeterRegistry meters) {
        this(harness, client, settings, new EventRecorder(client, clock), clock,
                new ReconcileMetrics(meters, ReconcileMetrics.AGENT), new GitFiles(clock));
    }

    public AgentReconciler(HarnessAgents harness, KubernetesClient client, AgentRunSettings settings,
                           EventRecorder events, Clock clock, ReconcileMetrics metrics, GitFiles git) {
        this.harness = harness;
        this.client = client;
        this.settings = settings;
        this.events = events;
        this.clock = clock;
        this.metrics = metrics;
        this.goldenSets = new GoldenSets(client, git);
    }

    @Override
    public List<EventSource<?, Agent>> prepareEventSources(EventSourceContext<Agent> context) {
        var agents = context.getPrimaryCache();
        agents.addIndexer(BY_CONFIG_MAP, AgentReconciler::configMapKeys);
        agents.addIndexer(BY_SANDBOX_MANIFEST, agent -> manifestKey(agent).map(List::of).orElse(List.of()));
        // The golden set or baseline ConfigMap changed (or appeared): evaluate again.
        InformerEventSource<ConfigMap, Agent> configMaps = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(ConfigMap.class, Agent.class)
                        .withName("agent-config-maps")
                        .withSecondaryToPrimaryMapper(configMap -> ids(agents.byIndex(BY_CONFIG_MAP, key(
                                configMap.getMetadata().getNamespace(), configMap.getMetadata().getName()))))
                        .build(),
                context);
        // The referenced SandboxManifest changed (or appeared): a new version.
        InformerEventSource<SandboxManifest, Agent> manifests = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(SandboxManifest.class, Agent.class)
                        .withName("agent-sandbox-manifests")
                        .withSecondaryToPrimaryMapper(manifest -> ids(agents.byIndex(BY_SANDBOX_MANIFEST, key(
                                manifest.getMetadata().getNamespace(), manifest.getMetadata().getName()))))
                        .build(),
                context);
        // Another Agent of the namespace changed its spec or its active version: handoffs (unknown agents, cycles, and
        // the harness accepting a handoff only to an active agent) are checked again for every Agent of the namespace.
        InformerEventSource<Agent, Agent> others = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Agent.class, Agent.class)
                        .withName("agent-handoffs")
                        .withOnUpdateFilter((changed, old) -> !Objects.equals(changed.getMetadata().getGeneration(),
                                old.getMetadata().getGeneration()) || !Objects.equals(activeVersion(changed),
                                activeVersion(old)))
                        .withSecondaryToPrimaryMapper(changed -> agents.list(changed.getMetadata().getNamespace())
                                .filter(agent -> !agent.getMetadata().getName().equals(changed.getMetadata().getName()))
                                .map(ResourceID::fromResource).collect(Collectors.toSet()))
                        .build(),
                context);
        return List.of(configMaps, manifests, others);
    }

    private static String activeVersion(Agent agent) {
        return agent.getStatus() == null ? null : agent.getStatus().getActiveVersion();
    }

    private static Set<ResourceID> ids(List<Agent> agents) {
        return agents.stream().map(ResourceID::fromResource).collect(Collectors.toSet());
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    private static List<String> configMapKeys(Agent agent) {
        if (agent.getSpec() == null || agent.getSpec().getEvaluation() == null) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        for (var source : new ArrayList<>(java.util.Arrays.asList(agent.getSpec().getEvaluation().getGoldenSet(),
                agent.getSpec().getEvaluation().getBaseline()))) {
            if (source != null && source.getConfigMapKeyRef() != null && source.getConfigMapKeyRef().getName() != null) {
                keys.add(key(agent.getMetadata().getNamespace(), source.getConfigMapKeyRef().getName()));
            }
        }
        return keys.stream().distinct().toList();
    }

    private static Optional<String> manifestKey(Agent agent) {
        if (agent.getSpec() == null || agent.getSpec().getSandboxManifestRef() == null
                || agent.getSpec().getSandboxManifestRef().getName() == null) {
            return Optional.empty();
        }
        return Optional.of(key(agent.getMetadata().getNamespace(), agent.getSpec().getSandboxManifestRef().getName()));
    }

    @Override
    public UpdateControl<Agent> reconcile(Agent agent, Context<Agent> context) {
        return metrics.time(() -> reconcileNow(agent, context));
    }

    private UpdateControl<Agent> reconcileNow(Agent agent, Context<Agent> context) {
        AgentStatus previous = agent.getStatus() == null ? new AgentStatus() : agent.getStatus();
        String before = Serialization.asJson(previous);
        AgentStatus status = fresh(previous);
        ResourceID id = ResourceID.fromResource(agent);
        Verdict verdict;
        try {
            verdict = decide(agent, previous, status, context.getPrimaryCache());
            if (unavailableAttempts.remove(id) != null) {
                LOG.infof("Agent %s/%s: the harness answers again", agent.getMetadata().getNamespace(),
                        agent.getMetadata().getName());
            }
        } catch (HarnessUnavailableException e) {
            verdict = unavailable(agent, status, id, e);
        }
        Long generation = agent.getMetadata().getGeneration();
        Conditions.set(status.getConditions(), Agent.READY, verdict.status(), verdict.reason().name(),
                Redaction.clean(verdict.message(), null), generation, clock.instant());
        status.setObservedGeneration(generation);
        recordEvents(agent, previous, status);
        agent.setStatus(status);
        UpdateControl<Agent> control = before.equals(Serialization.asJson(status)) ? UpdateControl.noUpdate()
                : UpdateControl.patchStatus(agent);
        if (verdict.requeue() != null) {
            control.rescheduleAfter(verdict.requeue());
        }
        return control;
    }

    /** A new status carrying over only what outlives a reconciliation: conditions (transition times) and versions. */
    private static AgentStatus fresh(AgentStatus previous) {
        AgentStatus status = new AgentStatus();
        List<Condition> conditions = new ArrayList<>();
        for (Condition condition : previous.getConditions() == null ? List.<Condition>of() : previous.getConditions()) {
            conditions.add(Serialization.clone(condition));
        }
        status.setConditions(conditions);
        status.setActiveVersion(previous.getActiveVersion());
        status.setLastEvaluation(previous.getLastEvaluation());
        return status;
    }

    private Verdict decide(Agent agent, AgentStatus previous, AgentStatus status, IndexedResourceCache<Agent> agents) {
        String namespace = agent.getMetadata().getNamespace();
        String name = agent.getMetadata().getName();
        ResourceID id = ResourceID.fromResource(agent);
        AgentCatalog catalog = new NamespaceCatalog(namespace, agents);
        Map<String, Object> written = specMap(agent);
        AgentSpecValidation validation = AgentSpecValidator.validate(name, written, catalog,
                AgentSpecValidator.Source.KUBERNETES);
        if (!validation.valid()) {
            return invalid(validation.summary(), null);
        }
        Map<String, Object> registered = validation.registered();
        if (validation.spec().get("sandboxManifestRef") instanceof Map<?, ?> ref) {
            String manifestName = String.valueOf(ref.get("name"));
            SandboxManifest manifest = client.resources(SandboxManifest.class).inNamespace(namespace)
                    .withName(manifestName).get();
            if (manifest == null) {
                return invalid("sandboxManifestRef: SandboxManifest '" + manifestName + "' not found in namespace "
                        + namespace + " (the Agent is checked again when it appears)", null);
            }
            PortableManifest portable = PortableManifest.of(manifest.getSpec());
            if (!portable.valid()) {
                return invalid("sandboxManifestRef: SandboxManifest '" + manifestName + "' is invalid: "
                        + portable.summary(), null);
            }
            Map<String, Object> resolved = new LinkedHashMap<>(written);
            resolved.remove("sandboxManifestRef");
            resolved.put("sandboxManifest", portable.manifest());
            AgentSpecValidation withManifest = AgentSpecValidator.validate(name, resolved, catalog,
                    AgentSpecValidator.Source.KUBERNETES);
            if (!withManifest.valid()) {
                return invalid(withManifest.summary(), null);
            }
            registered = withManifest.registered();
        }
        String version = AgentSpecValidation.versionOf(registered);
        boolean upToDate = Objects.equals(previous.getObservedGeneration(), agent.getMetadata().getGeneration());
        if (upToDate && version.equals(previous.getActiveVersion()) && previous.getCandidateVersion() == null
                && previous.condition(Agent.READY).filter(c -> AgentReason.Active.name().equals(c.getReason()))
                .isPresent()) {
            // Nothing changed that makes a new version: the harness already serves it. No call.
            return active(status, version, previous.condition(Agent.READY).orElseThrow().getMessage());
        }
        GoldenSets.GoldenSet golden = null;
        if (agent.getSpec().getEvaluation() != null) {
            double threshold = ((Map<?, ?>) validation.spec().get("evaluation")).get("threshold") instanceof Number n
                    ? n.doubleValue() : 1.0;
            try {
                golden = goldenSets.read(namespace, agent.getSpec().getEvaluation(), threshold);
            } catch (GoldenSets.Reading e) {
                return new Verdict(ConditionStatus.FALSE, AgentReason.Valid, "the spec is valid; " + e.getMessage()
                        + " (" + e.field() + ")", settings.pollInterval());
            } catch (GoldenSets.Unreadable e) {
                // A ConfigMap's change is an event; a push to a repository is not: git is looked at again later.
                return invalid(e.field() + ": " + e.getMessage(), e.field().endsWith(".git") ? settings.retryMax()
                        : null);
            }
        }
        AgentVersion candidate;
        try {
            candidate = harness.register(namespace, name, registered);
        } catch (HarnessRejectedException e) {
            return invalid("the harness refused the spec (" + e.status() + "): " + e.detail(), null);
        }
        if (!version.equals(candidate.version())) {
            LOG.debugf("Agent %s/%s: the harness registered %s, the operator computed %s", namespace, name,
                    candidate.version(), version);
        }
        version = candidate.version();
        if (status.getActiveVersion() == null) {
            // A re-created Agent, or a status lost: the harness knows which version serves.
            harness.agent(namespace, name).map(AgentView::activeVersion).ifPresent(status::setActiveVersion);
        }
        if (candidate.active()) {
            // The harness already serves it (a revert to the active version, or an evaluation-only change).
            followed.remove(id);
            status.setActiveVersion(version);
            return active(status, version, "version " + version + " serves runs");
        }
        if (golden == null) {
            return activate(namespace, name, status, version, "version " + version + " serves runs (no golden set "
                    + "to pass)");
        }
        return evaluate(agent, status, version, golden);
    }

    private Verdict evaluate(Agent agent, AgentStatus status, String version, GoldenSets.GoldenSet golden) {
        String namespace = agent.getMetadata().getNamespace();
        String name = agent.getMetadata().getName();
        ResourceID id = ResourceID.fromResource(agent);
        Followed following = followed.get(id);
        AgentEvaluation evaluation;
        try {
            if (following != null && following.version().equals(version) && following.digest().equals(golden.digest())) {
                evaluation = harness.evaluation(namespace, name, following.evaluationId());
            } else {
                evaluation = harness.evaluate(namespace, name, new AgentEvaluationRequest(version, golden.dataset(),
                        golden.baseline(), golden.threshold()));
                followed.put(id, new Followed(version, golden.digest(), evaluation.id()));
            }
        } catch (HarnessRejectedException e) {
            followed.remove(id);
            return invalid("evaluation.goldenSet: the harness refused the golden set (" + e.status() + "): "
                    + e.detail(), null);
        }
        status.setCandidateVersion(version);
        status.setLastEvaluation(statusOf(evaluation));
        String serving = status.getActiveVersion() == null ? "no version serves runs yet"
                : "version " + status.getActiveVersion() + " keeps serving";
        String errorsKey = key(namespace, name) + "/" + version + "/" + golden.digest();
        switch (evaluation.status()) {
            case AgentEvaluation.PASSED -> {
                followed.remove(id);
                evaluationErrors.remove(errorsKey);
                polls.remove(evaluation.id());
                return activate(namespace, name, status, version, "version " + version + " serves runs (golden set "
                        + "passed: " + evaluation.passed() + " of " + evaluation.cases() + " cases)");
            }
            case AgentEvaluation.FAILED -> {
                polls.remove(evaluation.id());
                return new Verdict(ConditionStatus.FALSE, AgentReason.EvaluationFailed, "candidate " + version
                        + " failed its golden set: " + evaluation.passed() + " of " + evaluation.cases()
                        + " cases passed (threshold " + plain(evaluation.threshold()) + "); failing: "
                        + failing(evaluation) + "; " + serving, null);
            }
            case AgentEvaluation.ERROR -> {
                followed.remove(id);
                polls.remove(evaluation.id());
                int errors = evaluationErrors.merge(errorsKey, 1, Integer::sum);
                String why = evaluation.error() == null ? "no reason given" : evaluation.error();
                if (errors >= MAX_EVALUATION_ERRORS) {
                    return new Verdict(ConditionStatus.FALSE, AgentReason.EvaluationFailed, "the harness could not "
                            + "finish the golden set of candidate " + version + " " + errors + " times (last: " + why
                            + "); change the spec or the golden set to try again; " + serving, null);
                }
                Duration delay = backoff(errors);
                return new Verdict(ConditionStatus.FALSE, AgentReason.Evaluating, "the harness could not finish the "
                        + "golden set of candidate " + version + " (" + why + "); asking again in "
                        + HumanDuration.of(delay.plusMillis(999)) + " (attempt " + (errors + 1) + " of "
                        + MAX_EVALUATION_ERRORS + "); " + serving, delay);
            }
            default -> {
                int seen = polls.merge(evaluation.id(), 1, Integer::sum);
                Duration delay = settings.pollInterval().multipliedBy(1L << Math.min(seen - 1, 10));
                if (delay.compareTo(MAX_POLL) > 0) {
                    delay = MAX_POLL;
                }
                return new Verdict(ConditionStatus.FALSE, AgentReason.Evaluating, "candidate " + version
                        + " is being evaluated against its golden set (evaluation " + evaluation.id() + "); "
                        + serving, delay);
            }
        }
    }

    private Verdict activate(String namespace, String name, AgentStatus status, String version, String message) {
        try {
            harness.activate(namespace, name, version);
        } catch (HarnessRejectedException e) {
            return invalid("the harness refused to activate " + version + " (" + e.status() + "): " + e.detail(), null);
        }
        status.setActiveVersion(version);
        return active(status, version, message);
    }

    private static Verdict active(AgentStatus status, String version, String message) {
        status.setActiveVersion(version);
        status.setCandidateVersion(null);
        return new Verdict(ConditionStatus.TRUE, AgentReason.Active, message, null);
    }

    private static Verdict invalid(String message, Duration requeue) {
        return new Verdict(ConditionStatus.FALSE, AgentReason.Invalid, message, requeue);
    }

    /**
     * The harness could not be asked: nothing is decided. The condition says so and the operator retries with
     * exponential backoff; the active version keeps serving (the harness has it).
     */
    private Verdict unavailable(Agent agent, AgentStatus status, ResourceID id, HarnessUnavailableException e) {
        int attempt = unavailableAttempts.merge(id, 1, Integer::sum);
        if (attempt == 1) {
            LOG.warnf("Agent %s/%s: %s; retrying with backoff", agent.getMetadata().getNamespace(),
                    agent.getMetadata().getName(), e.getMessage());
        }
        Duration delay = backoff(attempt);
        if (e instanceof HarnessThrottledException throttled && throttled.retryAfter().isPresent()) {
            delay = throttled.retryAfter().get().compareTo(settings.throttleMaxWait()) > 0 ? settings.throttleMaxWait()
                    : throttled.retryAfter().get();
        }
        AgentStatus previous = agent.getStatus();
        if (previous != null) {
            status.setCandidateVersion(previous.getCandidateVersion());
        }
        return new Verdict(ConditionStatus.UNKNOWN, AgentReason.HarnessUnavailable, e.getMessage()
                + "; retrying with exponential backoff (attempt " + attempt + ", next in "
                + HumanDuration.of(delay.plusMillis(999)) + "); " + (status.getActiveVersion() == null
                ? "no version serves runs yet" : "version " + status.getActiveVersion() + " keeps serving"), delay);
    }

    private Duration backoff(int attempt) {
        Duration delay = settings.retryInitial().multipliedBy(1L << Math.min(attempt - 1, 20));
        return delay.compareTo(settings.retryMax()) > 0 ? settings.retryMax() : delay;
    }

    /** One Event per transition: a new reason, a new active version, or a new verdict about another candidate. */
    private void recordEvents(Agent agent, AgentStatus previous, AgentStatus status) {
        Optional<Condition> before = previous.condition(Agent.READY);
        Condition now = status.condition(Agent.READY).orElseThrow();
        String reasonBefore = before.map(Condition::getReason).orElse(null);
        boolean newReason = !now.getReason().equals(reasonBefore);
        boolean newMessage = !Objects.equals(before.map(Condition::getMessage).orElse(null), now.getMessage());
        if (AgentReason.Active.name().equals(now.getReason())) {
            if (!Objects.equals(previous.getActiveVersion(), status.getActiveVersion()) || newReason) {
                events.normal(agent, "Activated", now.getMessage());
            }
        } else if (AgentReason.EvaluationFailed.name().equals(now.getReason())
                || AgentReason.Invalid.name().equals(now.getReason())) {
            if (newReason || newMessage) {
                events.warning(agent, now.getReason(), now.getMessage());
            }
        } else if (AgentReason.Evaluating.name().equals(now.getReason())) {
            if (newReason || !Objects.equals(previous.getCandidateVersion(), status.getCandidateVersion())) {
                events.normal(agent, "Evaluating", now.getMessage());
            }
        }
    }

    /** The harness's evaluation, bounded for a status: at most 10 failing cases, each cut at 200 characters. */
    static AgentEvaluationStatus statusOf(AgentEvaluation evaluation) {
        AgentEvaluationStatus status = new AgentEvaluationStatus();
        status.setId(evaluation.id());
        status.setVersion(evaluation.version());
        status.setResult(evaluation.status());
        status.setCases(evaluation.cases());
        status.setPassed(evaluation.passed());
        status.setPassRate(evaluation.passRate() == null ? null : plain(evaluation.passRate()));
        status.setThreshold(plain(evaluation.threshold()));
        List<String> failed = evaluation.failedCases().stream().limit(AgentEvaluationStatus.MAX_FAILED_CASES)
                .map(c -> cut(Redaction.clean(c.id() + (c.regression() ? " (regression)" : "") + ": "
                        + (c.explanation() == null ? "" : c.explanation()), null), 200))
                .toList();
        status.setFailedCases(failed.isEmpty() ? null : failed);
        status.setStartTime(time(evaluation.createdAt()));
        status.setCompletionTime(time(evaluation.finishedAt()));
        return status;
    }

    private static String failing(AgentEvaluation evaluation) {
        List<String> ids = evaluation.failedCases().stream()
                .map(c -> c.id() + (c.regression() ? " (regression)" : "")).toList();
        if (ids.isEmpty()) {
            return "no case failed, the pass rate or the baseline decided";
        }
        int shown = Math.min(ids.size(), AgentEvaluationStatus.MAX_FAILED_CASES);
        return String.join(", ", ids.subList(0, shown)) + (ids.size() > shown ? " and " + (ids.size() - shown)
                + " more" : "");
    }

    private static String time(OffsetDateTime at) {
        return at == null ? null : Conditions.timestamp(at.toInstant());
    }

    private static String plain(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private static String cut(String text, int max) {
        return text.length() > max ? text.substring(0, max - 1) + "…" : text;
    }

    /** The spec as the validator reads it: the JSON the API server holds (Maps, Lists, Strings, Numbers, Booleans). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> specMap(Agent agent) {
        if (agent.getSpec() == null) {
            return null;
        }
        return Serialization.jsonMapper().convertValue(agent.getSpec(), Map.class);
    }

    /**
     * What an Agent may hand off to, as the operator knows it: the namespace's Agents (their spec's handoffs), and for
     * other names the harness ({@code GET /agents/{name}}: built-in and file agents, or versions registered for the
     * namespace without an Agent resource). Tools and guardrails are the harness's to check (its 422 names them).
     */
    private final class NamespaceCatalog implements AgentCatalog {
        private final String namespace;
        private final IndexedResourceCache<Agent> agents;

        NamespaceCatalog(String namespace, IndexedResourceCache<Agent> agents) {
            this.namespace = namespace;
            this.agents = agents;
        }


        @Override
        public Optional<List<String>> handoffsOf(String agent) {
            Optional<Agent> resource = agents.get(new ResourceID(agent, namespace));
            if (resource.isPresent()) {
                List<String> handoffs = resource.get().getSpec() == null ? null : resource.get().getSpec().getHandoffs();
                return Optional.of(handoffs == null ? List.of() : List.copyOf(handoffs));
            }
            return harnessHandoffs(namespace, agent);
        }
    }

    private Optional<List<String>> harnessHandoffs(String namespace, String agent) {
        String cacheKey = key(namespace, agent);
        Instant now = clock.instant();
        HarnessAgent known = harnessAgents.get(cacheKey);
        if (known != null && known.at().plus(HARNESS_AGENT_TTL).isAfter(now)) {
            return known.handoffs();
        }
        Optional<List<String>> handoffs = harness.agent(namespace, agent).map(view -> {
            String version = view.activeVersion() != null ? view.activeVersion()
                    : view.versions().isEmpty() ? null : view.versions().getFirst().version();
            if (version == null) {
                return List.<String>of();
            }
            Object listed = harness.version(namespace, agent, version).spec().get("handoffs");
            return listed instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.<String>of();
        });
        harnessAgents.put(cacheKey, new HarnessAgent(handoffs, now));
        return handoffs;
    }
}
