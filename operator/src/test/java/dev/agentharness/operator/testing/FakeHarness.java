package dev.agentharness.operator.testing;

import dev.agentharness.api.ArtifactRef;
import dev.agentharness.api.HarnessApi;
import dev.agentharness.api.HealthResponse;
import dev.agentharness.api.Problem;
import dev.agentharness.api.RunPage;
import dev.agentharness.api.RunProgress;
import dev.agentharness.api.RunRequest;
import dev.agentharness.api.RunResponse;
import dev.agentharness.api.RunStatus;
import dev.agentharness.api.SessionResponse;
import dev.agentharness.api.Usage;
import dev.agentharness.api.agents.AgentView;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A FAKE harness: the {@link HarnessApi} contract in memory, with the real harness's semantics
 * where the operator depends on them — same Idempotency-Key + same body → the same run, a different
 * body → 409; queued/running → cancelled on cancel; a bulk feed ordered by {@code updated_at}. Runs
 * do not execute: tests move them along ({@link #start}, {@link #progress}, {@link #succeed}, {@link #fail}, …),
 * also onto another replica ({@link #requeue}, {@link #resumeElsewhere}) with the harness's progress counters.
 * Records every submission (key, body, whether it created a run) and every cancel, and, like the
 * harness, keeps each session's messages: {@link #historyOf} is what a run's model call would see.
 * {@link FakeHarnessServer} serves it over real HTTP.
 */
public final class FakeHarness implements HarnessApi {

    /** One {@code POST /runs} that reached the fake. {@code created}: it started a new run (a new model conversation). */
    public record Submission(String idempotencyKey, RunRequest request, String runId, boolean created, String principal) {
    }

    /** The principal of a call made with the operator's key and no namespace header. */
    public static final String OPERATOR = "operator";

    private final Map<String, RunResponse> runs = new LinkedHashMap<>();
    /** run id → the principal that owns it ({@code ns:<namespace>} when the operator acted for a namespace). */
    private final Map<String, String> principalByRun = new LinkedHashMap<>();
    private final Map<String, String> runByKey = new LinkedHashMap<>();
    private final Map<String, RunRequest> requestByRun = new LinkedHashMap<>();
    private final List<Submission> submissions = new ArrayList<>();
    private final List<String> cancels = new ArrayList<>();
    /** session id → the messages of its runs, in submission order (the one principal's sessions, as the operator's). */
    private final Map<String, List<String>> sessionMessages = new LinkedHashMap<>();
    private final Map<String, List<String>> historyByRun = new LinkedHashMap<>();
    /** The harness's overlap of consecutive partial pages ({@code RunsResource.CURSOR_LAG}). */
    private static final Duration CURSOR_LAG = Duration.ofSeconds(5);
    /** Strictly increasing timestamps: two changes never share an updated_at. */
    private final AtomicLong lastMillis = new AtomicLong();
    private volatile Consumer<String> onCreate = runId -> { };
    private final FakeAgents agents = new FakeAgents();

    /** The agent registry and its golden-set evaluations ({@code /agents/…}), per principal. */
    public FakeAgents agents() {
        return agents;
    }

    // ---- HarnessApi ----

    /** The agents this fake harness knows, like a harness with the analyst YAML loaded. */
    public static final java.util.Set<String> AGENTS = java.util.Set.of("maya", "analyst");

    @Override
    public Response createRun(String idempotencyKey, String prefer, RunRequest request) {
        return createRun(OPERATOR, idempotencyKey, prefer, request, null);
    }

    /**
     * @param principal who calls: like the harness, runs, idempotency keys and the feed are the principal's own
     * @param traceId   the trace the request belongs to ({@code traceparent}); null: the run gets a trace of its own
     */
    public synchronized Response createRun(String principal, String idempotencyKey, String prefer, RunRequest request,
                                           String traceId) {
        if (request == null || request.message() == null || request.message().isBlank()) {
            throw problem(400, "field 'message' is required");
        }
        String agentVersion = null;
        AgentView tenantAgent = null;
        if (request.agent() != null && !AGENTS.contains(request.agent())) {
            try {
                tenantAgent = agents.agent(principal, request.agent());
            } catch (WebApplicationException notFound) {
                throw problem(400, "field 'agent': unknown agent '" + request.agent() + "' (known: analyst, maya)");
            }
        }
        if (tenantAgent != null && !"builtin".equals(tenantAgent.source())) {
            // Like the harness (docs/agents.md): a pin must be a registered version; else the active one, if any.
            agentVersion = request.agentVersion() != null ? request.agentVersion() : tenantAgent.activeVersion();
            if (request.agentVersion() != null && tenantAgent.versions().stream()
                    .noneMatch(v -> v.version().equals(request.agentVersion()))) {
                throw problem(422, "field 'agent_version': agent '" + request.agent() + "' has no version "
                        + request.agentVersion());
            }
            if (agentVersion == null) {
                throw problem(409, "agent '" + request.agent() + "' has no active version yet");
            }
        } else {
            agentVersion = tenantAgent != null ? tenantAgent.activeVersion()
                    : builtInVersion(request.agent() == null ? "maya" : request.agent());
        }
        String scopedKey = idempotencyKey == null ? null : principal + "\n" + idempotencyKey;
        String existing = scopedKey == null ? null : runByKey.get(scopedKey);
        if (existing != null) {
            boolean sameBody = requestByRun.get(existing).equals(request);
            submissions.add(new Submission(idempotencyKey, request, existing, false, principal));
            if (!sameBody) {
                throw problem(409, "Idempotency-Key was already used for a different request (run " + existing
                        + "); use a new key for a new request");
            }
            return Response.accepted(runs.get(existing)).header("Location", "/runs/" + existing).build();
        }
        String runId = "run_" + UUID.randomUUID().toString().replace("-", "");
        OffsetDateTime now = now();
        String sessionId = request.sessionId() != null ? request.sessionId() : "ses_" + runId.substring(4, 20);
        RunResponse run = new RunResponse(runId, sessionId, request.agent() == null ? "maya" : request.agent(),
                request.model() == null ? "fake-model" : request.model(), RunStatus.QUEUED, null, null,
                request.manifest() != null, null, null, List.of(), Usage.ZERO,
                traceId != null ? traceId : "trace" + runId.substring(4),
                now, null, null, now, RunProgress.NONE).withAgentVersion(agentVersion);
        runs.put(runId, run);
        principalByRun.put(runId, principal);
        requestByRun.put(runId, request);
        List<String> session = sessionMessages.computeIfAbsent(sessionId, id -> new ArrayList<>());
        historyByRun.put(runId, List.copyOf(session));
        session.add(request.message());
        if (scopedKey != null) {
            runByKey.put(scopedKey, runId);
        }
        submissions.add(new Submission(idempotencyKey, request, runId, true, principal));
        onCreate.accept(runId);
        return Response.accepted(runs.get(runId)).header("Location", "/runs/" + runId).build();
    }

    @Override
    public synchronized RunResponse getRun(String runId) {
        RunResponse run = runs.get(runId);
        if (run == null) {
            throw problem(404, "run '" + runId + "' not found");
        }
        return run;
    }

    /** Like the harness: another principal's run is not found. */
    public synchronized RunResponse getRun(String principal, String runId) {
        if (!principal.equals(principalByRun.get(runId))) {
            throw problem(404, "run '" + runId + "' not found");
        }
        return getRun(runId);
    }

    /** Who owns {@code runId}. */
    public synchronized String principalOf(String runId) {
        return principalByRun.get(runId);
    }

    /** Like the harness: {@code updated_since} starts, {@code cursor} (opaque {@code <epoch micros>|<run id>}) continues. */
    @Override
    public synchronized RunPage listRuns(String updatedSince, String cursor, Integer limit) {
        return listRuns(OPERATOR, updatedSince, cursor, limit);
    }

    /** The principal's runs only: the feed never mixes tenants. */
    public synchronized RunPage listRuns(String principal, String updatedSince, String cursor, Integer limit) {
        Comparator<RunResponse> order = Comparator.comparing(RunResponse::updatedAt).thenComparing(RunResponse::runId);
        RunResponse after = cursor == null ? null : decodeCursor(cursor);
        OffsetDateTime since = updatedSince == null ? null : OffsetDateTime.parse(updatedSince);
        int size = limit == null ? 100 : limit;
        List<RunResponse> page = runs.values().stream()
                .filter(r -> principal.equals(principalByRun.get(r.runId())))
                .filter(r -> since == null || !r.updatedAt().isBefore(since))
                .filter(r -> after == null || order.compare(r, after) > 0)
                .sorted(order)
                .limit(size)
                .toList();
        RunResponse last = page.isEmpty() ? after : page.getLast();
        if (page.size() == size) {
            return new RunPage(page, last.updatedAt(), encodeCursor(last.updatedAt(), last.runId()));
        }
        // Like the harness: a partial page's cursor stops CURSOR_LAG short of now, so pages overlap and a run the
        // operator tracks only after the page that first carried it is delivered again.
        OffsetDateTime horizon = Instant.now().minus(CURSOR_LAG).atOffset(ZoneOffset.UTC);
        if (last == null || last.updatedAt().isAfter(horizon)) {
            return new RunPage(page, horizon, encodeCursor(horizon, ""));
        }
        return new RunPage(page, last.updatedAt(), encodeCursor(last.updatedAt(), last.runId()));
    }

    private static String encodeCursor(OffsetDateTime at, String runId) {
        return java.util.Base64.getUrlEncoder().encodeToString((at.toInstant() + "|" + runId).getBytes());
    }

    private static RunResponse decodeCursor(String cursor) {
        String[] parts = new String(java.util.Base64.getUrlDecoder().decode(cursor)).split("\\|", 2);
        OffsetDateTime at = Instant.parse(parts[0]).atOffset(ZoneOffset.UTC);
        return new RunResponse(parts[1], null, null, null, null, null, null, false, null, null, List.of(), Usage.ZERO,
                null, at, null, null, at, RunProgress.NONE);
    }

    @Override
    public synchronized RunResponse cancelRun(String runId) {
        return cancelRun(OPERATOR, runId);
    }

    public synchronized RunResponse cancelRun(String principal, String runId) {
        RunResponse run = getRun(principal, runId);
        cancels.add(runId);
        if (!run.status().terminal()) {
            return finish(runId, RunStatus.CANCELLED, "Cancelled", null);
        }
        return run;
    }

    /** The operator never reads transcripts (they are for graders). */
    @Override
    public dev.agentharness.api.RunTranscript getTranscript(String runId) {
        throw problem(404, "run '" + runId + "' not found");
    }

    @Override
    public SessionResponse getSession(String sessionId) {
        throw problem(404, "session '" + sessionId + "' not found");
    }

    @Override
    public HealthResponse health() {
        return new HealthResponse("ok", "fake-model", new HealthResponse.Backends(false, false, false));
    }

    /** The operator never reads usage (cost comes with each run); an empty report keeps the contract whole. */
    @Override
    public dev.agentharness.api.UsageReport usage(String from, String to, String groupBy, String principal) {
        return new dev.agentharness.api.UsageReport(null, null, groupBy, null, List.of());
    }

    /** A built-in agent's version: the digest of its name stands in for the digest of its spec. */
    public static String builtInVersion(String name) {
        try {
            return "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- moving runs along ----

    /** What happens right after a run is created (inside the POST), e.g. {@code id -> succeed(id, "hi")}. */
    public void onCreate(Consumer<String> action) {
        this.onCreate = action == null ? id -> { } : action;
    }

    /** A replica claims the run: running, one more attempt (like the harness's claim). */
    public synchronized RunResponse start(String runId) {
        RunResponse run = getRun(runId);
        RunProgress p = run.progress();
        RunProgress claimed = new RunProgress(p.turns(), p.steps(), p.lastStep(), p.attempts() + 1, p.recoveries());
        return put(copy(run, RunStatus.RUNNING, null, null, List.of(), run.usage(),
                run.startedAt() == null ? now() : run.startedAt(), null, claimed));
    }

    /** The run's journal grew: {@code turns} model responses, {@code steps} steps, the last of kind {@code lastStep}. */
    public synchronized RunResponse progress(String runId, int turns, int steps, String lastStep) {
        RunResponse run = getRun(runId);
        RunProgress p = run.progress();
        return put(copy(run, run.status(), run.reason(), run.reply(), run.artifacts(), run.usage(), run.startedAt(),
                run.completedAt(), new RunProgress(turns, steps, lastStep, p.attempts(), p.recoveries())));
    }

    /**
     * The run lost its replica and is queued again, like the harness's lease sweep ({@code workerDied}: recoveries + 1)
     * or a draining replica's release (recoveries unchanged). {@link #start} is the next replica's claim.
     */
    public synchronized RunResponse requeue(String runId, boolean workerDied) {
        RunResponse run = getRun(runId);
        RunProgress p = run.progress();
        return put(copy(run, RunStatus.QUEUED, null, null, List.of(), run.usage(), run.startedAt(), null,
                new RunProgress(p.turns(), p.steps(), p.lastStep(), p.attempts(), p.recoveries() + (workerDied ? 1 : 0))));
    }

    /** Its replica died and another one claimed it at once: {@link #requeue} then {@link #start}. */
    public synchronized RunResponse resumeElsewhere(String runId) {
        requeue(runId, true);
        return start(runId);
    }

    /** A change that shows in the feed (a new {@code updated_at}) but in nothing the operator maps into the status. */
    public synchronized RunResponse touch(String runId) {
        RunResponse run = getRun(runId);
        return put(copy(run, run.status(), run.reason(), run.reply(), run.artifacts(), run.usage(), run.startedAt(),
                run.completedAt(), run.progress()));
    }

    public synchronized RunResponse succeed(String runId, String reply, ArtifactRef... artifacts) {
        RunResponse run = getRun(runId);
        OffsetDateTime now = now();
        return put(copy(run, RunStatus.SUCCEEDED, null, reply, List.of(artifacts), new Usage(1200, 800, 340, 0.00042),
                run.startedAt() == null ? now : run.startedAt(), now, terminal(run.progress(), "run_succeeded")));
    }

    /** Evaluators graded the finished run: like the harness, its {@code updated_at} moves, so the feed carries it. */
    public synchronized RunResponse evaluate(String runId, dev.agentharness.api.EvaluationResult... results) {
        RunResponse run = getRun(runId);
        return put(new RunResponse(run.runId(), run.sessionId(), run.agent(), run.model(), run.status(), run.reason(),
                run.reply(), run.usedSandbox(), run.artifactUrl(), run.artifactError(), run.artifacts(), run.usage(),
                run.traceId(), run.createdAt(), run.startedAt(), run.completedAt(), now(), run.progress(),
                run.sampledToPhoenix(), List.of(results), run.agentVersion()));
    }

    public synchronized RunResponse fail(String runId, String reason) {
        return finish(runId, RunStatus.FAILED, reason, null);
    }

    public synchronized RunResponse timeOut(String runId) {
        return finish(runId, RunStatus.TIMED_OUT, "TimedOut", null);
    }

    private RunResponse finish(String runId, RunStatus status, String reason, String reply) {
        RunResponse run = getRun(runId);
        OffsetDateTime now = now();
        return put(copy(run, status, reason, reply, List.of(), run.usage(),
                run.startedAt() == null ? now : run.startedAt(), now,
                terminal(run.progress(), "run_" + status.name().toLowerCase(java.util.Locale.ROOT))));
    }

    /** Like the harness: a finished run's journal ends with its terminal step. */
    private static RunProgress terminal(RunProgress p, String kind) {
        return new RunProgress(p.turns(), p.steps() + 1, kind, p.attempts(), p.recoveries());
    }

    private RunResponse put(RunResponse run) {
        runs.put(run.runId(), run);
        return run;
    }

    private RunResponse copy(RunResponse run, RunStatus status, String reason, String reply, List<ArtifactRef> artifacts,
                             Usage usage, OffsetDateTime startedAt, OffsetDateTime completedAt, RunProgress progress) {
        // A fresh link on every read in the real harness; a fixed one here is enough to prove it is never stored.
        String link = artifacts.isEmpty() ? null
                : "http://harness.invalid/storage/" + run.runId() + "?expires=1&signature=SIGNED-LINK";
        return new RunResponse(run.runId(), run.sessionId(), run.agent(), run.model(), status, reason, reply,
                run.usedSandbox(), link, null, artifacts, usage, run.traceId(), run.createdAt(), startedAt, completedAt,
                now(), progress).withAgentVersion(run.agentVersion());
    }

    private OffsetDateTime now() {
        long millis = lastMillis.updateAndGet(last -> Math.max(last + 1, Instant.now().toEpochMilli()));
        return Instant.ofEpochMilli(millis).atOffset(ZoneOffset.UTC);
    }

    // ---- what the operator did ----

    public synchronized List<Submission> submissions() {
        return List.copyOf(submissions);
    }

    /** Every submission made for one AgentRun (by the metadata the operator sends). */
    public synchronized List<Submission> submissionsFor(String namespace, String name) {
        return submissions.stream().filter(s -> s.request().metadata() != null
                && namespace.equals(s.request().metadata().get("agentrun.namespace"))
                && name.equals(s.request().metadata().get("agentrun.name"))).toList();
    }

    /** The runs created for one AgentRun: each one is a model conversation that really ran (and cost money). */
    public synchronized List<String> runsCreatedFor(String namespace, String name) {
        return submissionsFor(namespace, name).stream().filter(Submission::created).map(Submission::runId).toList();
    }

    public synchronized Optional<String> runFor(String namespace, String name) {
        List<String> created = runsCreatedFor(namespace, name);
        return created.isEmpty() ? Optional.empty() : Optional.of(created.getLast());
    }

    public synchronized RunRequest requestOf(String runId) {
        return requestByRun.get(runId);
    }

    /** The messages of the earlier runs of the run's session: the history its model call would carry. */
    public synchronized List<String> historyOf(String runId) {
        return historyByRun.get(runId);
    }

    public synchronized List<String> cancels() {
        return List.copyOf(cancels);
    }

    static WebApplicationException problem(int status, String detail) {
        return new WebApplicationException(Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(status, Response.Status.fromStatusCode(status) == null ? "Error"
                        : Response.Status.fromStatusCode(status).getReasonPhrase(), detail)).build());
    }
}
