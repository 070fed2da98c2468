package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.agentharness.api.RunRequest;
import dev.agentharness.api.RunResponse;
import dev.agentharness.runtime.agent.AgentRegistry;
import dev.agentharness.runtime.model.ModelClient;
import dev.agentharness.runtime.state.ArtifactIndex;
import dev.agentharness.runtime.observability.HarnessMetrics;
import dev.agentharness.runtime.sandbox.SandboxPlane;
import dev.agentharness.runtime.state.Database;
import dev.agentharness.runtime.state.EvalScores;
import dev.agentharness.runtime.state.DatabaseException;
import dev.agentharness.runtime.storage.ArtifactLinks;
import dev.agentharness.runtime.storage.ReplyArtifacts;
import dev.agentharness.runtime.state.NewRun;
import dev.agentharness.runtime.state.QuotaExceededException;
import dev.agentharness.runtime.state.SubmissionQuota;
import dev.agentharness.runtime.state.RunRecord;
import dev.agentharness.runtime.state.RunReads;
import dev.agentharness.runtime.state.RunSubmissions;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.TreeSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Where a run request becomes a durable run: validated, written to {@code public.runs} before
 * any model call, handed to the queue, and — for synchronous callers — waited on.
 */
@ApplicationScoped
public class RunService {

    private static final Logger LOG = Logger.getLogger(RunService.class);

    /** Canonical JSON: the same request always hashes the same, whatever the key order it came in. */
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private final RunSubmissions submissions;
    private final RunReads runs;
    private final Database database;
    private final AgentRegistry agents;
    private final ModelClient model;
    private final RunDispatcher dispatcher;
    private final RunWaiters waiters;
    private final RunLimits limits;
    private final RunRequestValidator validator;
    private final String defaultModel;
    private final SandboxPlane sandboxes;
    private final ArtifactIndex artifactIndex;
    private final ArtifactLinks links;
    private final HarnessMetrics metrics;
    private final TenantPolicies tenants;
    private final PriceTable prices;
    /** The kill switch and the daily budget, checked before a run is written. */
    private final SpendAdmission admission;
    /** The evaluations shown with a finished run (GET /runs/{id}, GET /runs). */
    private final EvalScores evalScores;
    /** The run's agent and the versions it will use, resolved before it is written. */
    private final RunAgents runAgents;

    /** How long a caller over a run quota waits before trying again: runs finish in seconds to minutes. */
    static final int QUOTA_RETRY_AFTER_SECONDS = 5;

    @Inject
    public RunService(RunSubmissions submissions, RunReads runs, Database database, AgentRegistry agents,
                      ModelClient model, RunDispatcher dispatcher, RunWaiters waiters, RunLimits limits,
                      @org.eclipse.microprofile.config.inject.ConfigProperty(name = "harness.model.default")
                      String defaultModel, SandboxPlane sandboxes, ArtifactIndex artifactIndex, ArtifactLinks links,
                      HarnessMetrics metrics, TenantPolicies tenants, PriceTable prices, SpendAdmission admission,
                      EvalScores evalScores, RunAgents runAgents) {
        this.runAgents = runAgents;
        this.evalScores = evalScores;
        this.admission = admission;
        this.prices = prices;
        this.metrics = metrics;
        this.tenants = tenants;
        this.sandboxes = sandboxes;
        this.artifactIndex = artifactIndex;
        this.links = links;
        this.submissions = submissions;
        this.runs = runs;
        this.database = database;
        this.agents = agents;
        this.model = model;
        this.dispatcher = dispatcher;
        this.waiters = waiters;
        this.limits = limits;
        this.validator = new RunRequestValidator(limits);
        this.defaultModel = defaultModel;
    }

    /** The outcome of a submission: the run as it stands, and whether the caller should wait for it. */
    public record Submitted(RunRecord run, boolean created) {
    }

    /** A submitted run as the caller sees it, and whether it has finished. */
    public record Accepted(RunResponse run, boolean finished) {
    }

    /**
     * Submits the run and, unless the caller asked not to wait, waits for it up to the synchronous limit (a
     * replayed idempotent request waits like the original).
     */
    public Accepted accept(String principal, String idempotencyKey, RunRequest request, boolean respondAsync) {
        RunRecord run = submit(principal, idempotencyKey, request).run();
        if (respondAsync) {
            return new Accepted(view(run), false);
        }
        RunWaiters.Finished result = await(run, principal);
        RunResponse view = result.artifacts() != null ? view(result.run(), result.artifacts()) : view(result.run());
        return new Accepted(view, result.run().status().terminal());
    }

    public Submitted submit(String principal, String idempotencyKey, RunRequest request) {
        try {
            validator.validate(request, idempotencyKey, agents.names(), true);
        } catch (RunRequestValidator.InvalidRunRequest e) {
            throw RunRejectedException.invalid(e.getMessage());
        }
        String agent = request.agent() != null ? request.agent() : "maya";
        // A built-in or file agent resolves without a query (the common case: the benchmarks' maya); only other names
        // are the caller's registered agents, read from the database — which must be reachable for that.
        if (!runAgents.inRegistry(agent)) {
            requireDatabase();
        }
        RunAgents.Resolved resolved = runAgents.resolve(principal, agent, request.agentVersion());
        refuseUnpricedModels(request, resolved.lookup());
        if (request.manifest() != null) {
            ManifestAdmission.admit(request.manifest(), sandboxes);
        } else if (resolved.sandboxManifest() != null) {
            // The agent's own manifest is the run's: a provider that cannot honour it refuses the run now.
            ManifestAdmission.admit(resolved.sandboxManifest(), sandboxes);
        }
        if (!model.configured()) {
            throw RunRejectedException.unavailable("no model is configured: set " + model.missingConfiguration()
                    + " (and OPENAI_BASE_URL for a compatible endpoint) and restart the harness", 60);
        }
        requireDatabase();
        admitSpend(principal);

        String requestJson = canonicalJson(request);
        String requestHash = sha256(requestJson);
        String sessionId = request.sessionId() != null ? request.sessionId()
                // Concurrent retries of one idempotent request must land in one session, not one each.
                : idempotencyKey != null ? "ses_" + sha256(principal + "\n" + idempotencyKey).substring(0, 32)
                : "ses_" + UUID.randomUUID().toString().replace("-", "");
        int maxTurns = request.maxTurns() != null ? request.maxTurns() : limits.defaultMaxTurns();
        NewRun newRun = new NewRun(
                "run_" + UUID.randomUUID().toString().replace("-", ""),
                sessionId, principal, agent,
                request.model() != null ? request.model() : defaultModel,
                request.message(), requestJson, requestHash, idempotencyKey, maxTurns,
                request.timeoutSeconds(), Boolean.TRUE.equals(request.saveArtifact()), traceId(),
                request.maxCostUsd(), request.maxTokens(), resolved.agentVersion(), resolved.agentVersions());

        var outcome = submitDurably(newRun);
        RunRecord run = outcome.run();
        if (!outcome.created() && !run.requestHash().equals(requestHash)) {
            throw RunRejectedException.conflict("Idempotency-Key was already used for a different request (run "
                    + run.runId() + "); use a new key for a new request");
        }
        try (RunLogContext logged = RunLogContext.enter(run.runId(), Span.current().getSpanContext(), run.traceId())) {
            Span.current().setAttribute("run_id", run.runId());
            if (outcome.created()) {
                LOG.infof("run accepted: agent=%s version=%s session=%s", agent, resolved.agentVersion(), sessionId);
                metrics.runSubmitted(agent);
                dispatcher.wake();
            } else {
                LOG.infof("idempotent replay of run %s", run.runId());
            }
        }
        return new Submitted(run, outcome.created());
    }

    /**
     * With a price table, a run that could call a model nothing prices (the request's, the default, or an agent's own —
     * its handoff targets' too) is refused: no cost could be recorded for it, so no budget could hold.
     */
    private void refuseUnpricedModels(RunRequest request, dev.agentharness.runtime.agent.AgentLookup agents) {
        if (!prices.configured()) {
            return;
        }
        String runModel = request.model() != null ? request.model() : defaultModel;
        Set<String> models = new TreeSet<>();
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> pending = new ArrayDeque<>();
        pending.add(request.agent() != null ? request.agent() : "maya");
        while (!pending.isEmpty()) {
            String name = pending.poll();
            if (!seen.add(name)) {
                continue;
            }
            agents.find(name).ifPresent(agent -> {
                models.add(agent.model() != null ? agent.model() : runModel);
                pending.addAll(agent.handoffs());
            });
        }
        List<String> unpriced = prices.unpriced(models);
        if (!unpriced.isEmpty()) {
            throw RunRejectedException.invalid("field 'model': no price for " + String.join(", ", unpriced)
                    + " in HARNESS_PRICES_FILE (priced: " + String.join(", ", prices.pricedModels())
                    + ") and no fallback price (MODEL_PRICE_INPUT_PER_MTOK / MODEL_PRICE_OUTPUT_PER_MTOK) is set;"
                    + " a run's cost and budget cannot be kept on an unpriced model");
        }
    }

    private void requireDatabase() {
        if (!database.ready()) {
            throw RunRejectedException.unavailable("the state database is not reachable; the run was not accepted, retry later", 5);
        }
    }

    /** Suspension and the daily budget; a database that fails here is the outage it is (503), not a server error. */
    private void admitSpend(String principal) {
        try {
            admission.admit(principal);
        } catch (DatabaseException e) {
            throw RunRejectedException.unavailable("the state database is not reachable; the run was not accepted, "
                    + "retry later", 5);
        }
    }

    private dev.agentharness.runtime.state.SubmitOutcome submitDurably(NewRun newRun) {
        try {
            return submissions.submit(newRun, quotaOf(newRun.principal()));
        } catch (QuotaExceededException e) {
            throw quotaRefusal(e);
        } catch (RuntimeException e) {
            if (!database.ping(Duration.ofSeconds(1))) {
                throw RunRejectedException.unavailable("the state database is not reachable; the run was not accepted, retry later", 5);
            }
            throw e;
        }
    }

    // Quota check: the principal's max_queued / max_in_flight (TenantPolicies), counted and enforced by
    // RunSubmissions in the submission's own transaction; an idempotent retry of a stored run is never refused.

    private SubmissionQuota quotaOf(String principal) {
        TenantLimits limits = tenants.limitsFor(principal);
        return new SubmissionQuota(limits.maxQueued(), limits.maxInFlight());
    }

    private static RunRejectedException quotaRefusal(QuotaExceededException e) {
        String message = switch (e.limit()) {
            case "max_queued" -> "too many runs waiting: " + e.count() + " of this principal's runs are queued and "
                    + "max_queued is " + e.max() + "; retry once some have started";
            default -> "no run may wait (max_queued 0) and " + e.count() + " of this principal's runs are running or "
                    + "starting, max_in_flight is " + e.max() + "; retry once one has finished";
        };
        return RunRejectedException.throttled(e.limit(), message, QUOTA_RETRY_AFTER_SECONDS);
    }

    /**
     * Blocks until the run is terminal or the synchronous wait runs out; returns the run as it
     * stands then. Wakes at once for runs of this replica, and re-reads the database every second
     * for runs another replica executes.
     */
    public RunRecord awaitResult(RunRecord run, String principal) {
        return await(run, principal).run();
    }

    /** The run as it stands at the end of the wait, with its artifacts when its completion handed them over. */
    private RunWaiters.Finished await(RunRecord run, String principal) {
        Instant deadline = Instant.now().plusSeconds(limits.syncWaitSeconds());
        CompletableFuture<RunWaiters.Finished> finished = waiters.register(run.runId());
        try {
            RunRecord current = run;
            while (!current.status().terminal() && Instant.now().isBefore(deadline)) {
                try {
                    if (finished.isDone()) {
                        // Ended here without a recorded outcome: another replica finishes it; read once a second.
                        Thread.sleep(1_000);
                    } else {
                        RunWaiters.Finished recorded = finished.get(1, TimeUnit.SECONDS);
                        if (recorded.run() != null) {
                            return recorded; // no need to read it back
                        }
                    }
                } catch (TimeoutException ignored) {
                    // fall through to the database read
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new RunWaiters.Finished(current, null);
                } catch (java.util.concurrent.ExecutionException e) {
                    // never completed exceptionally
                }
                current = runs.find(run.runId(), principal).orElse(current);
            }
            return new RunWaiters.Finished(current, null);
        } finally {
            waiters.release(run.runId(), finished);
        }
    }

    /** {@code GET /runs/{id}}: the run with its evaluations (graded after it finished; empty until then). */
    public Optional<RunResponse> view(String runId, String principal) {
        return runs.find(runId, principal).map(run -> run.status().terminal()
                ? view(run).withEvaluations(RunViews.evaluations(evalScores.forRun(run.runId())))
                : view(run));
    }

    public RunResponse view(RunRecord run) {
        if (!run.status().terminal()) {
            return RunViews.of(run, ArtifactIndex.RunArtifacts.NONE, null);
        }
        return view(run, artifactIndex.of(run.runId()));
    }

    /** The views of a page of runs, with the artifacts of all its finished runs read in one query. */
    public List<RunResponse> views(List<RunRecord> page) {
        Map<String, ArtifactIndex.RunArtifacts> artifacts = artifactIndex.ofRuns(page.stream()
                .filter(run -> run.status().terminal()).map(RunRecord::runId).toList());
        Map<String, List<EvalScores.StoredScore>> scores = evalScores.forRuns(page.stream()
                .filter(run -> run.status().terminal()).map(RunRecord::runId).toList());
        return page.stream().map(run -> run.status().terminal() ? view(run, artifacts.get(run.runId()))
                .withEvaluations(RunViews.evaluations(scores.getOrDefault(run.runId(), List.of())))
                : RunViews.of(run, ArtifactIndex.RunArtifacts.NONE, null)).toList();
    }

    private RunResponse view(RunRecord run, ArtifactIndex.RunArtifacts artifacts) {
        return RunViews.of(run, artifacts, replyLink(artifacts));
    }

    /** A new link on every read: links expire, the artifact does not. */
    private String replyLink(ArtifactIndex.RunArtifacts artifacts) {
        return artifacts.rows().stream().filter(a -> a.name().equals(ReplyArtifacts.REPLY_NAME)).findFirst()
                .map(a -> links.download(a.key()).toString()).orElse(null);
    }

    private static String traceId() {
        SpanContext context = Span.current().getSpanContext();
        if (context.isValid()) {
            return context.getTraceId();
        }
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static String canonicalJson(RunRequest request) {
        try {
            return CANONICAL.writeValueAsString(request);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a RunRequest always serialises", e);
        }
    }

    static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
