package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.agentharness.api.agents.AgentEvaluation;
import dev.agentharness.api.agents.AgentEvaluationRequest;
import dev.agentharness.runtime.evals.Baseline;
import dev.agentharness.runtime.evals.CaseResult;
import dev.agentharness.runtime.evals.Dataset;
import dev.agentharness.runtime.evals.DatasetException;
import dev.agentharness.runtime.evals.DatasetReader;
import dev.agentharness.runtime.evals.EvalCase;
import dev.agentharness.runtime.evals.EvalReport;
import dev.agentharness.runtime.evals.EvalRunner;
import dev.agentharness.runtime.evals.Graders;
import dev.agentharness.runtime.evals.JudgeProvider;
import dev.agentharness.runtime.evals.Score;
import dev.agentharness.runtime.model.ModelClient;
import dev.agentharness.runtime.model.ModelSettings;
import dev.agentharness.runtime.state.AgentEvaluationStore;
import dev.agentharness.runtime.state.AgentEvaluationStore.StoredEvaluation;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Golden-set evaluations of an agent version ({@code POST /agents/{name}/evaluations}): the promotion gate's verdict.
 * Everything is checked before anything runs — the version exists for this tenant (its stored versions, or a built-in
 * or file agent's current version), the dataset parses ({@link DatasetReader}: errors name line and field), fits
 * ({@link #MAX_DATASET_BYTES}, {@code max-cases}), the baseline parses ({@link Baseline}), a judge exists when a case
 * needs one. Then a {@code running} row is written and the cases run in the background as real runs of the caller
 * pinned to the version ({@link HarnessRunTarget}) through the {@link EvalRunner}, {@code concurrency} at a time on
 * virtual threads, while a heartbeat moves the row's {@code heartbeat_at}. Verdict: {@code passed} iff the pass rate
 * reaches the threshold and no baseline case regressed.
 *
 * <p>A replica that stops mid-evaluation stops heart-beating: after {@code stale-after} its row reads as
 * {@code error} and asking again starts a new evaluation. Asking again for the same version, dataset (+ baseline)
 * digest and threshold answers the earlier evaluation unless it ended in {@code error}.
 */
@ApplicationScoped
public class AgentEvaluations {

    private static final Logger LOG = Logger.getLogger(AgentEvaluations.class);

    /** The most a dataset (JSONL text) may weigh, in UTF-8 bytes. */
    public static final int MAX_DATASET_BYTES = 1 << 20;
    /** The most a baseline may weigh. */
    public static final int MAX_BASELINE_BYTES = 1 << 20;
    /** Failing cases listed in a result (regressions first). */
    public static final int MAX_FAILED_CASES = 50;
    /** Dataset errors shown in one refusal. */
    private static final int MAX_ERRORS_SHOWN = 20;
    /** A run of an evaluation may take the longest run timeout, and then this long to be recorded. */
    private static final Duration RUN_WAIT_MARGIN = Duration.ofSeconds(60);
    private static final Pattern VERSION = Pattern.compile("sha256:[0-9a-f]{64}");
    /** What a dataset sent as text is called in its errors ({@code dataset:3: expect.tools_called: …}). */
    private static final Path DATASET = Path.of("dataset");
    private static final Path BASELINE = Path.of("baseline");

    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    /** The stored result ({@code public.agent_evaluations.result}). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Result(@JsonProperty("cases") int cases,
                  @JsonProperty("passed") Integer passed,
                  @JsonProperty("pass_rate") Double passRate,
                  @JsonProperty("failed_cases") List<AgentEvaluation.FailedCase> failedCases,
                  @JsonProperty("regressions") List<String> regressions,
                  @JsonProperty("error") String error) {
    }

    /** An evaluation as answered, and whether this call started it. */
    public record Outcome(AgentEvaluation evaluation, boolean created) {
    }

    private final AgentEvaluationStore store;
    private final TenantAgents tenantAgents;
    private final RunService runs;
    private final RunTranscriptReader transcripts;
    private final RunLimits limits;
    private final AgentEvaluationSettings settings;
    private final ModelClient model;
    private final Graders graders;
    private final JudgeProvider judges;
    private final Clock clock;

    @Inject
    public AgentEvaluations(AgentEvaluationStore store, TenantAgents tenantAgents, RunService runs,
                            RunTranscriptReader transcripts, RunLimits limits, AgentEvaluationSettings settings,
                            ModelClient model, @ConfigProperty(name = "harness.model.default") String defaultModel,
                            InlineEvalSettings evals, Clock clock) {
        this.store = store;
        this.tenantAgents = tenantAgents;
        this.runs = runs;
        this.transcripts = transcripts;
        this.limits = limits;
        this.settings = settings;
        this.model = model;
        this.clock = clock;
        // The judge of judge expectations: the inline evaluators' judge model through the harness's model client.
        this.judges = JudgeProvider.model(model, evals.judgeModel().orElse(defaultModel), ModelSettings.DEFAULTS);
        this.graders = new Graders(judges);
    }

    /** What was checked and is ready to run. */
    private record Plan(String principal, String agent, String version, Dataset dataset, List<EvalCase> cases,
                        List<String> baselinePassing, double threshold, String digest) {
    }

    /** Checks the request, then answers the same earlier evaluation or starts a new one (in the background). */
    public Outcome start(String principal, String name, AgentEvaluationRequest request) {
        Plan plan = plan(principal, name, request);
        if (!model.configured()) {
            throw RunRejectedException.unavailable("no model is configured: set " + model.missingConfiguration()
                    + " and restart the harness; the evaluation's cases are runs", 60);
        }
        Instant now = clock.instant();
        String id = "eval_" + UUID.randomUUID().toString().replace("-", "");
        AgentEvaluationStore.Started started = store.start(id, principal, name, plan.version(), plan.digest(),
                plan.threshold(), json(new Result(plan.cases().size(), null, null, null, null, null)), now,
                staleBefore(now), json(staleResult(plan.cases().size())));
        if (started.created()) {
            LOG.infof("agent evaluation %s started: agent=%s version=%s cases=%d", id, name, plan.version(),
                    plan.cases().size());
            Thread.ofVirtual().name("agent-evaluation-" + id).start(() -> execute(id, plan));
        }
        return new Outcome(view(started.evaluation(), now), started.created());
    }

    /** The evaluation, as the tenant may see it; a running one whose heartbeat went stale reads as {@code error}. */
    public AgentEvaluation get(String principal, String name, String id) {
        return store.find(principal, name, id).map(stored -> view(stored, clock.instant()))
                .orElseThrow(() -> RunRejectedException.notFound("no evaluation '" + printable(id) + "' of agent '"
                        + printable(name) + "'"));
    }

    private Plan plan(String principal, String name, AgentEvaluationRequest request) {
        if (request == null) {
            throw RunRejectedException.invalid("a JSON body is required: {\"version\": \"sha256:…\", \"dataset\": "
                    + "\"<JSONL>\"}");
        }
        if (request.version() == null || !VERSION.matcher(request.version()).matches()) {
            throw unprocessable("version", "required, a version of the agent "
                    + "(sha256:<64 hex>)");
        }
        double threshold = request.threshold() == null ? 1.0 : request.threshold();
        if (!(threshold >= 0 && threshold <= 1)) {
            throw unprocessable("threshold", "must be a pass rate in [0, 1]");
        }
        requireVersion(principal, name, request.version());
        if (request.dataset() == null || request.dataset().isBlank()) {
            throw unprocessable("dataset", "required, the golden set as JSONL text");
        }
        byte[] datasetBytes = request.dataset().getBytes(StandardCharsets.UTF_8);
        if (datasetBytes.length > MAX_DATASET_BYTES) {
            throw unprocessable("dataset", datasetBytes.length + " bytes; at most "
                    + MAX_DATASET_BYTES + " (1 MiB)");
        }
        byte[] baselineBytes = request.baseline() == null ? null : request.baseline().getBytes(StandardCharsets.UTF_8);
        if (baselineBytes != null && baselineBytes.length > MAX_BASELINE_BYTES) {
            throw unprocessable("baseline", baselineBytes.length + " bytes; at most "
                    + MAX_BASELINE_BYTES + " (1 MiB)");
        }
        Dataset dataset;
        try {
            dataset = new DatasetReader(graders).parse(DATASET, request.dataset());
        } catch (DatasetException e) {
            throw unreadable("dataset", e);
        }
        if (dataset.cases().isEmpty()) {
            throw unprocessable("dataset", "no cases (only blank or # lines)");
        }
        if (dataset.cases().size() > settings.maxCases()) {
            throw unprocessable("dataset", dataset.cases().size() + " cases; at most "
                    + settings.maxCases() + " (HARNESS_AGENT_EVALUATION_MAX_CASES)");
        }
        List<String> baselinePassing = null;
        if (request.baseline() != null) {
            try {
                baselinePassing = List.copyOf(Baseline.parse(BASELINE, request.baseline(), dataset, false).passing());
            } catch (DatasetException e) {
                throw unreadable("baseline", e);
            }
        }
        if (dataset.needsJudge() && judges.judge().isEmpty()) {
            throw unprocessable("dataset", "has judge expectations and this harness has no "
                    + "judge model (" + judges.unavailableReason() + ")");
        }
        // Every case runs against the agent under evaluation, whatever agent a line names (as eval run --agent).
        List<EvalCase> cases = dataset.cases().stream().map(evalCase -> evalCase.withAgent(name)).toList();
        return new Plan(principal, name, request.version(), dataset, cases, baselinePassing, threshold,
                digest(datasetBytes, baselineBytes));
    }

    /** 404 unless {@code version} is one of the tenant's stored versions, or the built-in/file agent's current one. */
    private void requireVersion(String principal, String name, String version) {
        tenantAgents.version(principal, name, version);
    }

    private void execute(String id, Plan plan) {
        Thread heartbeat = Thread.ofVirtual().name("agent-evaluation-heartbeat-" + id).start(() -> heartbeat(id));
        try {
            HarnessRunTarget target = new HarnessRunTarget(runs, transcripts, plan.principal(), plan.agent(),
                    plan.version(), id, Duration.ofSeconds(limits.maxTimeoutSeconds()).plus(RUN_WAIT_MARGIN), clock);
            EvalReport report = new EvalRunner(target, clock, settings.concurrency())
                    .run("agent " + plan.agent() + " " + plan.version(), "harness", plan.cases(),
                            plan.baselinePassing());
            if (target.transientFailures() > 0) {
                String why = report.results().stream().filter(result -> result.error() != null).findFirst()
                        .map(CaseResult::error).orElse("");
                finishWithError(id, plan, target.transientFailures() + " of " + plan.cases().size()
                        + " cases could not run (" + why + "); ask again");
                return;
            }
            Verdict verdict = verdict(report, plan.threshold());
            boolean recorded = store.finish(id, verdict.status(), json(verdict.result()), clock.instant());
            LOG.infof("agent evaluation %s %s: %d of %d cases passed%s", id, verdict.status(),
                    verdict.result().passed(), verdict.result().cases(),
                    recorded ? "" : " (not recorded: it had been closed as stale)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finishWithError(id, plan, "the evaluation was interrupted (the harness is stopping); ask again");
        } catch (RuntimeException e) {
            LOG.warnf("agent evaluation %s could not finish: %s", id, e.getClass().getSimpleName());
            finishWithError(id, plan, "the evaluation could not finish: " + e.getClass().getSimpleName()
                    + "; ask again");
        } finally {
            heartbeat.interrupt();
        }
    }

    private void finishWithError(String id, Plan plan, String error) {
        try {
            store.finish(id, AgentEvaluation.ERROR, json(new Result(plan.cases().size(), null, null, null, null, error)),
                    clock.instant());
        } catch (RuntimeException e) {
            // The heartbeat stops with this thread: the row goes stale and reads as error.
            LOG.warnf("agent evaluation %s: its error could not be recorded (%s)", id, e.getClass().getSimpleName());
        }
    }

    /** Moves the row's heartbeat every third of the staleness bound until interrupted or the row stops running. */
    private void heartbeat(String id) {
        long intervalMillis = Math.max(1_000, settings.staleAfter().toMillis() / 3);
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(intervalMillis);
            } catch (InterruptedException e) {
                return;
            }
            try {
                if (!store.heartbeat(id, clock.instant())) {
                    return;
                }
            } catch (RuntimeException e) {
                // A database hiccup: try again next time; staleness only bites after three missed beats.
                LOG.debugf("agent evaluation %s: heartbeat failed (%s)", id, e.getClass().getSimpleName());
            }
        }
    }

    record Verdict(String status, Result result) {
    }

    /**
     * Passed iff the pass rate reaches the threshold and no baseline case regressed; the failing cases, regressions
     * first (then dataset order), at most {@link #MAX_FAILED_CASES}, each with its graders' explanations.
     */
    static Verdict verdict(EvalReport report, double threshold) {
        int cases = report.results().size();
        int passed = (int) report.count(CaseResult.Outcome.PASS);
        double passRate = cases == 0 ? 0 : passed / (double) cases;
        List<String> regressions = report.comparison().regressions();
        Set<String> regressed = Set.copyOf(regressions);
        List<CaseResult> failing = new ArrayList<>(report.results().stream().filter(result -> !result.passed())
                .toList());
        failing.sort(Comparator.comparing(result -> !regressed.contains(result.caseId())));
        List<AgentEvaluation.FailedCase> failed = failing.stream().limit(MAX_FAILED_CASES)
                .map(result -> new AgentEvaluation.FailedCase(result.caseId(), regressed.contains(result.caseId()),
                        explanation(result), result.run() == null ? null : result.run().runId()))
                .toList();
        String status = passRate >= threshold && regressions.isEmpty() ? AgentEvaluation.PASSED : AgentEvaluation.FAILED;
        return new Verdict(status, new Result(cases, passed, passRate, failed, regressions, null));
    }

    private static String explanation(CaseResult result) {
        if (result.error() != null) {
            return "error: " + result.error();
        }
        List<String> lines = new ArrayList<>();
        for (Score score : result.failingScores()) {
            lines.add(score.evaluator() + ": " + score.explanation());
        }
        return String.join("\n", lines);
    }

    private AgentEvaluation view(StoredEvaluation stored, Instant now) {
        Result result = stored.resultJson() == null ? new Result(0, null, null, null, null, null)
                : read(stored.resultJson());
        String status = stored.status();
        String error = result.error();
        if (stored.running() && stored.heartbeatAt().toInstant().isBefore(staleBefore(now))) {
            status = AgentEvaluation.ERROR;
            error = staleResult(result.cases()).error();
        }
        return new AgentEvaluation(stored.id(), stored.name(), stored.version(), status, stored.threshold(),
                stored.datasetDigest(), result.cases(), result.passed() == null ? 0 : result.passed(),
                result.passRate(), result.failedCases(), result.regressions(), error, stored.createdAt(),
                stored.finishedAt());
    }

    private Instant staleBefore(Instant now) {
        return now.minus(settings.staleAfter());
    }

    private Result staleResult(int cases) {
        return new Result(cases, null, null, null, null, "the evaluation stopped: no heartbeat for "
                + settings.staleAfter() + " (the replica running it stopped); ask again to start a new one");
    }

    /** 422 naming {@code field} in the detail and as the problem member {@code field}. */
    private static RunRejectedException unprocessable(String field, String message) {
        return RunRejectedException.unprocessable("field '" + field + "': " + message, Map.of("field", field));
    }

    /** 422 for a dataset or baseline that does not parse: every error also as a {@code problems} member. */
    private static RunRejectedException unreadable(String field, DatasetException e) {
        List<Map<String, String>> problems = e.errors().stream().limit(MAX_ERRORS_SHOWN)
                .map(error -> Map.of("field", field, "message", error)).toList();
        return RunRejectedException.unprocessable("field '" + field + "': " + errors(e),
                Map.of("field", field, "problems", problems));
    }

    private static String errors(DatasetException e) {
        List<String> errors = e.errors();
        String shown = String.join("; ", errors.subList(0, Math.min(errors.size(), MAX_ERRORS_SHOWN)));
        return errors.size() > MAX_ERRORS_SHOWN ? shown + "; … and " + (errors.size() - MAX_ERRORS_SHOWN) + " more"
                : shown;
    }

    /** {@code sha256:<hex>} of the dataset's bytes, then (with a baseline) a NUL and the baseline's bytes. */
    public static String digest(byte[] dataset, byte[] baseline) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(dataset);
            if (baseline != null) {
                sha256.update((byte) 0);
                sha256.update(baseline);
            }
            return "sha256:" + HexFormat.of().formatHex(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static String json(Result result) {
        try {
            return JSON.writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an evaluation result always serialises", e);
        }
    }

    private static Result read(String json) {
        try {
            return JSON.readValue(json, Result.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable evaluation result", e);
        }
    }

    private static String printable(String value) {
        String shown = value == null ? "" : value.replaceAll("\\p{Cntrl}", "?");
        return shown.length() > 80 ? shown.substring(0, 80) + "…" : shown;
    }
}
