package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.agentharness.api.RunStatus;
import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.runtime.agent.Agent;
import dev.agentharness.runtime.agent.AgentLookup;
import dev.agentharness.runtime.agent.AgentRegistry;
import dev.agentharness.runtime.agent.AgentRunException;
import dev.agentharness.runtime.agent.FailureReason;
import dev.agentharness.runtime.agent.JournalSteps;
import dev.agentharness.runtime.agent.JournalTrace;
import dev.agentharness.runtime.agent.RunStep;
import dev.agentharness.runtime.agent.StepKind;
import dev.agentharness.runtime.agent.RunBudget;
import dev.agentharness.runtime.agent.RunConfig;
import dev.agentharness.runtime.agent.RunResult;
import dev.agentharness.runtime.agent.Runner;
import dev.agentharness.runtime.agent.TraceSpan;
import dev.agentharness.runtime.model.ConversationItem;
import dev.agentharness.runtime.model.ModelClient;
import dev.agentharness.runtime.model.NulCharacters;
import dev.agentharness.runtime.observability.PhoenixExport;
import dev.agentharness.runtime.sandbox.BucketMounts;
import dev.agentharness.runtime.sandbox.RunSandbox;
import dev.agentharness.runtime.sandbox.SandboxException;
import dev.agentharness.runtime.sandbox.SandboxPlane;
import dev.agentharness.runtime.sandbox.SandboxTools;
import dev.agentharness.runtime.state.ArtifactIndex;
import dev.agentharness.runtime.state.ArtifactRow;
import dev.agentharness.runtime.state.AuditEntry;
import dev.agentharness.runtime.state.CompletionRejectedException;
import dev.agentharness.runtime.state.JournalStep;
import dev.agentharness.runtime.state.PrincipalControls;
import dev.agentharness.runtime.state.RunCompletion;
import dev.agentharness.runtime.state.RunJournal;
import dev.agentharness.runtime.state.RunRecord;
import dev.agentharness.runtime.state.SessionStore;
import dev.agentharness.runtime.storage.ObjectKeys;
import dev.agentharness.runtime.storage.ReplyArtifacts;
import dev.agentharness.runtime.storage.StoredObject;
import dev.agentharness.runtime.observability.RunSpanTree;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Executes one claimed run: rebuilds the session history, drives the agent loop, and records
 * the outcome — final state, trace, usage, audit — in one transaction. Whatever happens inside
 * the loop, the run ends in a terminal state; only a lost lease (another worker took over) leaves
 * the row to its new owner.
 */
@ApplicationScoped
public class RunExecutor {

    private static final Logger LOG = Logger.getLogger(RunExecutor.class);
    /** A run whose outcome the database refused for its content (SQLSTATE class 22 or 23). */
    static final String REASON_COMPLETION_REJECTED = "CompletionRejected";

    /** Traces are stored snake_case with ISO timestamps, like the rest of the API. */
    static final ObjectMapper TRACE_JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            // jsonb cannot hold U+0000 (a tool's output may carry one): dropped from every string written.
            .addModule(new SimpleModule("without-nul").addSerializer(String.class, new StdSerializer<>(String.class) {
                @Override
                public void serialize(String value, JsonGenerator json, SerializerProvider provider) throws IOException {
                    json.writeString(NulCharacters.strip(value));
                }
            }))
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    private final SessionStore sessions;
    private final AgentRegistry agents;
    private final Runner runner;
    private final Pricing pricing;
    /** Prices each model call as it is recorded (through the run's {@link RunConfig}). */
    private final PriceTable prices;
    /** The principal's daily budget, asked before each model call (only principals with one pay for a query). */
    private final DailyBudgets dailyBudgets;
    private final RunWaiters waiters;
    private final RunSpanTree spanTree;
    /** The spans of the runs executing here, by run id: the trace built at completion starts their step spans. */
    private final Map<String, RunSpans> runSpans = new ConcurrentHashMap<>();
    private final String defaultModel;
    private final DurableCompletion durableCompletion;
    private final SandboxPlane sandboxes;
    private final ModelClient model;
    private final Clock clock;
    private final Duration toolTimeout;

    private final ReplyArtifacts replyArtifacts;
    private final RunJournal journal;
    /** Told each time a run's journal grew on this replica, so its event streams need not wait for the next poll. */
    private final RunEventsNotifier stepsWritten;
    /** Decides (as its pipeline does when the run's span ends) whether the run goes to Phoenix: recorded on the run. */
    private final PhoenixExport phoenix;
    private final RunOutcomeMetrics outcomeMetrics;
    /** Grades finished runs off their path, once the completion committed and the run's spans ended. */
    private final InlineEvaluations evaluations;
    /** The run's agents at the versions recorded at its submission. */
    private final RunAgents runAgents;

    @Inject
    public RunExecutor(SessionStore sessions, AgentRegistry agents, ModelClient model,
                       Pricing pricing, RunWaiters waiters, RunSpanTree spanTree,
                       @ConfigProperty(name = "harness.model.default") String defaultModel, RunLimits limits,
                       Clock clock, DurableCompletion durableCompletion, SandboxPlane sandboxes,
                       ReplyArtifacts replyArtifacts, RunJournal journal, RunEventsNotifier stepsWritten,
                       PhoenixExport phoenix, RunOutcomeMetrics outcomeMetrics, PriceTable prices,
                       DailyBudgets dailyBudgets, InlineEvaluations evaluations, RunAgents runAgents) {
        this.runAgents = runAgents;
        this.evaluations = evaluations;
        this.dailyBudgets = dailyBudgets;
        this.prices = prices;
        this.phoenix = phoenix;
        this.outcomeMetrics = outcomeMetrics;
        this.journal = journal;
        this.stepsWritten = stepsWritten;
        this.durableCompletion = durableCompletion;
        this.sandboxes = sandboxes;
        this.replyArtifacts = replyArtifacts;
        this.clock = clock;
        this.toolTimeout = Duration.ofSeconds(limits.toolTimeoutSeconds());
        this.sessions = sessions;
        this.agents = agents;
        this.runner = new Runner(model, agents, clock);
        this.model = model;
        this.pricing = pricing;
        this.waiters = waiters;
        this.spanTree = spanTree;
        this.defaultModel = defaultModel;
    }

    /** When {@code timeout_seconds} runs out, counted from the run's first start; null when it has none. */
    static Instant deadlineOf(RunRecord run) {
        return run.timeoutSeconds() == null || run.startedAt() == null ? null
                : run.startedAt().toInstant().plusSeconds(run.timeoutSeconds());
    }

    public void execute(ActiveRun active, String workerId) {
        RunRecord run = active.run();
        RunSpanTree.Run traced = new RunSpanTree.Run(run.runId(), run.sessionId(), run.agent(), model.providerName(),
                new RunSpanTree.Prices(pricing.inputUsdPerMillionTokens(), pricing.outputUsdPerMillionTokens()),
                model -> prices.priceOf(model).map(price -> new RunSpanTree.Prices(price.inputUsdPerMtok(),
                        price.outputUsdPerMtok(), price.cachedInputUsdPerMtok())).orElse(null),
                runAgents.versionsOf(run));
        // The run's spans join the trace of the request that submitted it, through the trace id stored with the run;
        // a resumed run's root starts at the run's first start, so the steps of its earlier attempts fall inside it.
        RunSpanTree.RunSpan span = spanTree.startRun(traced, Context.root().with(Span.wrap(
                        SpanContext.createFromRemoteParent(run.traceId(), "0000000000000001", TraceFlags.getSampled(),
                                TraceState.getDefault()))),
                run.startedAt() == null ? null : run.startedAt().toInstant(), run.message());
        RunSpans spans = new RunSpans(spanTree, traced, span);
        runSpans.put(run.runId(), spans);
        boolean endRoot = true;
        RunWaiters.Finished outcome = RunWaiters.Finished.UNKNOWN;
        List<RunStep> finishedJournal = null;
        RunAgents.RunLookup agentsOfRun = null;
        // Opened outside the try so that the lines its catch writes carry the run's keys too.
        RunLogContext logged = RunLogContext.enter(run.runId(), Span.fromContext(span.context()).getSpanContext(),
                run.traceId());
        try (Scope ignored = span.context().makeCurrent()) {
            RunJournalWriter steps = journalOf(active, workerId);
            // The versions recorded at submission, whatever is active now: a resumed run replays the same prompts.
            agentsOfRun = run.agentVersions().isEmpty() ? runAgents.of(run)
                    : durableCompletion.retry("reading the run's agent versions", () -> runAgents.of(run));
            RunCompletion completion = runToCompletion(active, workerId, steps, agentsOfRun);
            if (!active.mayRecord()) {
                // The run is no longer ours (lease lost, or released on shutdown): its owner records the outcome, and
                // exports the run's spans — this root is left unended, so the run has one root, not one per attempt.
                LOG.warnf("run stopped (%s); its outcome here is discarded", active.stopped().orElseThrow());
                endRoot = false;
                return;
            }
            active.recording();
            // A stopped run that records its end (timed out, suspended) may still carry the stop's interrupt: the
            // write must not fail on it (the watchdog interrupts no more once recording is set).
            Thread.interrupted();
            outcome = record(run, completion);
            if (outcome.run() != null) {
                RunRecord recorded = outcome.run();
                span.finish(recorded.status().wire(), recorded.status() == RunStatus.SUCCEEDED, recorded.reason(),
                        recorded.reply());
                spans.endTree();
                stepsWritten.stepsWritten(run.runId()); // the terminal step: streams here end now
                finishedJournal = steps.steps();
                outcomeMetrics.finished(outcome.run(), finishedJournal); // once per run: this replica recorded its end
                LOG.infof("run %s: %s%s", completion.status().wire(), run.agent(),
                        completion.reason() == null ? "" : " (" + completion.reason() + ")");
            } else {
                LOG.warnf("run finished here but its lease had moved to another worker; result discarded");
            }
        } catch (RuntimeException e) {
            // The database failed while recording: the lease will expire and the run end as WorkerLost.
            LOG.errorf("could not record the outcome of the run: %s", e.getMessage());
            span.recordException(e);
        } finally {
            runSpans.remove(run.runId());
            if (endRoot) {
                span.end();
            }
            waiters.finished(run.runId(), outcome);
            logged.close();
            if (finishedJournal != null) {
                // After the commit and the root span's end: returns at once, whatever the evaluators do.
                evaluations.finished(outcome.run(), finishedJournal, Span.fromContext(span.context()).getSpanContext(),
                        agentsOfRun == null ? null : agentsOfRun.evaluators());
            }
        }
    }

    /**
     * Writes the outcome, through a database outage if need be. An outcome the database refuses for its content
     * (it can never be stored as it is) is replaced by a plain failure, so the run still ends with a reason — and its
     * journal with a terminal step, in place of the steps that could not be stored.
     */
    private RunWaiters.Finished record(RunRecord run, RunCompletion outcome) {
        // Decided on the outcome the run's span reports (ERROR unless it succeeded), kept if the database refuses it.
        Boolean sampled = phoenix.sampled(run.runId(), outcome.status() == RunStatus.SUCCEEDED);
        RunCompletion completion = outcome.withSampledToPhoenix(sampled);
        try {
            return finished(durableCompletion.finish(completion), completion);
        } catch (CompletionRejectedException e) {
            LOG.errorf("the database refused the run's outcome (SQLSTATE %s); recording it as failed", e.sqlState());
            String message = "the run's result could not be stored (the database refused it, SQLSTATE "
                    + e.sqlState() + "); see the harness logs";
            List<JournalStep> end = completion.steps().isEmpty() ? List.of() : List.of(JournalStep.of(
                    completion.steps().getFirst().seq(), StepKind.RUN_FAILED.wire(),
                    JournalSteps.ended(StepKind.RUN_FAILED, RunStatus.FAILED.wire(), REASON_COMPLETION_REJECTED,
                            message, clock.instant()).payload().toString()));
            RunCompletion rejected = new RunCompletion(completion.runId(), completion.workerId(),
                    RunStatus.FAILED, REASON_COMPLETION_REJECTED, null, completion.inputTokens(),
                    completion.outputTokens(), completion.costUsd(), completion.usedSandbox(), "[]", List.of(),
                    List.of(new AuditEntry(run.principal(), completion.runId(), "run.failed",
                            toJson(Map.of("reason", REASON_COMPLETION_REJECTED, "message", message,
                                    "sqlstate", e.sqlState())))), null, end, sampled, completion.cachedInputTokens());
            return finished(durableCompletion.finish(rejected), rejected);
        }
    }

    /** What a synchronous caller is handed: the run as recorded, with the artifacts its completion wrote. */
    private static RunWaiters.Finished finished(Optional<RunRecord> recorded, RunCompletion completion) {
        return recorded.map(run -> new RunWaiters.Finished(run,
                        new ArtifactIndex.RunArtifacts(completion.artifacts(), completion.artifactError())))
                .orElse(RunWaiters.Finished.UNKNOWN);
    }

    /** This attempt's journal, holding what earlier attempts recorded. */
    private RunJournalWriter journalOf(ActiveRun active, String workerId) {
        RunRecord run = active.run();
        // Steps are appended only under a claim: on its first claim a run has none. A later claim waits out a
        // database outage here, as the run's writes do, rather than fail the run for a blip.
        List<RunStep> recorded = run.attempts() <= 1 ? List.of() : durableCompletion.retry("reading the run's journal",
                () -> RunJournalWriter.read(journal, run.runId()));
        return new RunJournalWriter(journal, new RunJournal.Lease(run.runId(), workerId, run.leaseEpoch()), recorded,
                durableCompletion, active, stepsWritten::stepsWritten);
    }

    private RunCompletion runToCompletion(ActiveRun active, String workerId, RunJournalWriter steps,
                                          RunAgents.RunLookup agentsOfRun) {
        RunRecord run = active.run();
        List<RunStep> recorded = steps.recorded();
        if (!recorded.isEmpty()) {
            LOG.infof("run resumed (attempt %d, recovery %d): replaying %d journal step(s)", run.attempts(),
                    run.recoveries(), recorded.size());
        }
        Instant deadline = active.deadline();
        RunConfig config = RunConfig.defaults(run.model() != null ? run.model() : defaultModel)
                .withMaxTurns(run.maxTurns())
                .withIdentity(run.runId(), run.sessionId(), run.principal())
                .withTimeLimits(toolTimeout, deadline)
                .withPricing(prices)
                .withBudget(RunBudget.of(run.maxCostUsd(), run.maxTokens(), dailyBudgets.forRun(run.principal())))
                .withCancellation(() -> active.stopped().isPresent() || pastDeadline(deadline)
                        || active.cancelRequested());
        if (agentsOfRun.problem() != null) {
            return failed(run, steps, workerId, RunStatus.FAILED, "AgentNotFound", agentsOfRun.problem(), recorded);
        }
        AgentLookup lookup = agentsOfRun.agents();
        Agent agent = lookup.find(run.agent()).orElse(null);
        if (agent == null) {
            // The agent existed at submission; a restart with a different agents directory removed it.
            return failed(run, steps, workerId, RunStatus.FAILED, "AgentNotFound",
                    "agent '" + run.agent() + "' is no longer defined on this harness", recorded);
        }
        Manifest manifest;
        try {
            manifest = RunSandboxes.manifestOf(run);
            if (manifest == null) {
                manifest = agentsOfRun.sandboxManifest(); // the agent's own, when the request brought none
            }
        } catch (RuntimeException e) {
            return failed(run, steps, workerId, RunStatus.FAILED, "SandboxUnavailable", e.getMessage(), recorded);
        }
        if (manifest == null) {
            return runAgent(active, steps, workerId, agent, lookup == agents ? runner : new Runner(model, lookup, clock),
                    config, false);
        }
        RunSandbox sandbox;
        try {
            // A resumed run continues in the workspace as its last recorded change left it, not as it started.
            Optional<String> checkpoint = JournalSteps.lastWorkspaceChange(recorded, SandboxTools::changesWorkspace);
            sandbox = sandboxes.open(run.runId(), ObjectKeys.sessionPath(run.principal(), run.sessionId()), manifest,
                    run.timeoutSeconds(), checkpoint);
        } catch (SandboxException | RuntimeException e) {
            LOG.errorf("could not provision the run's sandbox: %s", e.getMessage());
            return failed(run, steps, workerId, RunStatus.FAILED, "SandboxUnavailable",
                    "the run's sandbox could not be provisioned: " + e.getMessage(), recorded);
        }
        try {
            steps.onWritten(step -> {
                if (step.kind() == StepKind.TOOL_OUTPUT && SandboxTools.changesWorkspace(step.text("tool"))) {
                    sandbox.recorded(step.text("call_id"));
                }
            });
            var tools = sandboxes.tools(sandbox);
            Runner sandboxed = new Runner(model, name -> lookup.find(name).map(a -> SandboxTools.withSandbox(a, tools)),
                    clock);
            RunCompletion completion = runAgent(active, steps, workerId, SandboxTools.withSandbox(agent, tools),
                    sandboxed, config, true);
            if (active.stopped().isPresent()) {
                return completion; // a stopped run uploads nothing more; its sandbox is destroyed below
            }
            return withMountUploads(run, completion, sandboxes.finish(run.runId(), sandbox));
        } finally {
            // A run another replica continues keeps its checkpoints: they are its workspace there.
            sandboxes.close(run.runId(), sandbox, active.continuesElsewhere());
        }
    }

    private boolean pastDeadline(Instant deadline) {
        return deadline != null && !clock.instant().isBefore(deadline);
    }

    private boolean timedOut(ActiveRun active) {
        return active.stopped().map(stop -> stop == ActiveRun.Stop.TIMED_OUT).orElse(false)
                || pastDeadline(active.deadline());
    }

    private static boolean suspended(ActiveRun active) {
        return active.stopped().map(stop -> stop == ActiveRun.Stop.SUSPENDED).orElse(false);
    }

    /** The kill switch stopped the run: {@code failed}, reason {@code Suspended}, whatever the interrupted step said. */
    private RunCompletion suspendedCompletion(RunRecord run, RunJournalWriter journal, String workerId,
                                              List<RunStep> steps) {
        return failed(run, journal, workerId, RunStatus.FAILED, PrincipalControls.REASON_SUSPENDED,
                "principal " + run.principal() + " was suspended by an admin; the run was stopped", steps);
    }

    private RunCompletion timedOutCompletion(RunRecord run, RunJournalWriter journal, String workerId,
                                             List<RunStep> steps) {
        return failed(run, journal, workerId, RunStatus.TIMED_OUT, "TimedOut",
                "the run exceeded timeout_seconds=" + run.timeoutSeconds(), steps);
    }

    private RunCompletion runAgent(ActiveRun active, RunJournalWriter journal, String workerId, Agent agent,
                                   Runner runner, RunConfig config, boolean usedSandbox) {
        RunRecord run = active.run();
        try {
            List<ConversationItem> history = durableCompletion.retry("reading the session history",
                    () -> history(run));
            RunResult result = runner.run(agent, history, run.message(), config, journal);
            if (timedOut(active)) {
                // The watchdog fired while the last step was finishing: the limit wins, as it would a moment later.
                return timedOutCompletion(run, journal, workerId, result.steps()).withUsedSandbox(usedSandbox);
            }
            // A store outage must not cost the user the answer: the run succeeds and says why the file is missing.
            ReplyArtifacts.Outcome artifact = run.saveArtifact()
                    ? replyArtifacts.save(run.runId(), result.finalOutput())
                    : ReplyArtifacts.Outcome.NOT_ASKED;
            List<AuditEntry> audit = new ArrayList<>();
            audit.add(audit(run, "run.succeeded", Map.of("agent", result.lastAgent(), "turns", result.turns())));
            if (artifact.error() != null) {
                audit.add(audit(run, "artifact.failed", Map.of("error", artifact.error())));
            }
            String reply = NulCharacters.strip(result.finalOutput());
            RunStep end = JournalSteps.succeeded(reply, result.turns(), result.inputTokens(), result.outputTokens(),
                    clock.instant());
            RunTotals totals = RunTotals.of(journal.steps(), prices);
            return new RunCompletion(run.runId(), workerId, RunStatus.SUCCEEDED, null, reply,
                    totals.inputTokens(), totals.outputTokens(), totals.costUsd(), usedSandbox,
                    traceJson(run, result.steps(), end),
                    artifact.stored().stream().map(stored -> artifactRow(ReplyArtifacts.REPLY_NAME, stored)).toList(),
                    audit, artifact.error(), journal.closingSteps(end), null, totals.cachedInputTokens());
        } catch (AgentRunException e) {
            // Whatever the interrupted step reported (a model call cut off looks like ModelUnavailable), a run
            // past its deadline timed out.
            if (timedOut(active)) {
                return timedOutCompletion(run, journal, workerId, e.steps())
                        .withUsedSandbox(usedSandbox);
            }
            if (suspended(active)) {
                return suspendedCompletion(run, journal, workerId, e.steps()).withUsedSandbox(usedSandbox);
            }
            RunStatus status = e.reason() == FailureReason.Cancelled ? RunStatus.CANCELLED : RunStatus.FAILED;
            return failed(run, journal, workerId, status, e.reason().name(), e.getMessage(), e.steps())
                    .withUsedSandbox(usedSandbox);
        } catch (Exception e) { // Exception, not RuntimeException: client libraries throw checked ones sneakily
            if (timedOut(active)) {
                return timedOutCompletion(run, journal, workerId, journal.recorded())
                        .withUsedSandbox(usedSandbox);
            }
            if (suspended(active)) {
                return suspendedCompletion(run, journal, workerId, journal.recorded()).withUsedSandbox(usedSandbox);
            }
            LOG.errorf(e, "run failed unexpectedly");
            return failed(run, journal, workerId, RunStatus.FAILED, "InternalError",
                    "the harness failed while running the agent; see its logs", journal.recorded())
                    .withUsedSandbox(usedSandbox);
        }
    }

    /**
     * Files a writable mount uploaded become artifacts of the run, named by their path under the
     * run's {@code outputs/{run_id}/} (or by their key elsewhere); the reply's own {@code reply.md} wins a clash.
     */
    private static RunCompletion withMountUploads(RunRecord run, RunCompletion completion, BucketMounts.Uploads uploads) {
        if (uploads.stored().isEmpty() && uploads.errors().isEmpty()) {
            return completion;
        }
        String runOutputs = ObjectKeys.OUTPUTS + run.runId() + "/";
        List<ArtifactRow> rows = new ArrayList<>();
        for (StoredObject stored : uploads.stored()) {
            String name = stored.key().startsWith(runOutputs) ? stored.key().substring(runOutputs.length()) : stored.key();
            rows.add(artifactRow(name, stored));
        }
        uploads.error().ifPresent(error -> LOG.warnf("mount uploads: %s", error));
        return completion.withArtifacts(rows, uploads.error().orElse(null));
    }

    private static ArtifactRow artifactRow(String name, StoredObject stored) {
        return new ArtifactRow(name, stored.key(), stored.size(), stored.sha256(), stored.contentType());
    }

    private RunCompletion failed(RunRecord run, RunJournalWriter journal, String workerId, RunStatus status,
                                 String reason, String message, List<RunStep> steps) {
        StepKind kind = switch (status) {
            case TIMED_OUT -> StepKind.RUN_TIMED_OUT;
            case CANCELLED -> StepKind.RUN_CANCELLED;
            default -> StepKind.RUN_FAILED;
        };
        RunStep end = JournalSteps.ended(kind, status.wire(), reason, message, clock.instant());
        // Every call this run paid for, in this attempt and earlier ones, whatever the failure cut short.
        RunTotals totals = RunTotals.of(journal.steps(), prices);
        return new RunCompletion(run.runId(), workerId, status, reason, null, totals.inputTokens(),
                totals.outputTokens(), totals.costUsd(), false, traceJson(run, steps, end), List.of(),
                List.of(audit(run, "run." + status.wire(), Map.of("reason", reason, "message", message))), null,
                journal.closingSteps(end), null, totals.cachedInputTokens());
    }

    /** Earlier exchanges of the session, so a follow-up message reads in context. */
    private List<ConversationItem> history(RunRecord run) {
        List<ConversationItem> items = new ArrayList<>();
        for (RunRecord earlier : sessions.runs(run.sessionId(), run.principal())) {
            if (earlier.runId().equals(run.runId()) || !earlier.createdAt().isBefore(run.createdAt())) {
                continue;
            }
            if (earlier.status() == RunStatus.SUCCEEDED && earlier.reply() != null) {
                items.add(new ConversationItem.UserMessage(earlier.message()));
                items.add(new ConversationItem.AssistantMessage(earlier.reply()));
            }
        }
        return items;
    }

    private static AuditEntry audit(RunRecord run, String action, Map<String, Object> detail) {
        return new AuditEntry(run.principal(), run.runId(), action, toJson(new LinkedHashMap<>(detail)));
    }

    /**
     * The trace stored with the run: built from its journal, the terminal step included. Its steps' spans are started
     * here from the same list (so each stored step names its span) and exported once the completion is recorded.
     */
    private String traceJson(RunRecord run, List<RunStep> steps, RunStep end) {
        List<RunStep> all = new ArrayList<>(steps);
        all.add(end);
        Instant now = clock.instant();
        List<TraceSpan> stored = JournalTrace.spans(all, false, now);
        RunSpans spans = runSpans.get(run.runId());
        if (spans != null) {
            List<TraceSpan> exported = spanTree.capturesContent() ? JournalTrace.spans(all, true, now) : stored;
            stored = spans.startTree(exported, stored);
        }
        return toJson(stored);
    }

    private static String toJson(Object value) {
        try {
            return TRACE_JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("trace and audit values are plain data", e);
        }
    }
}
