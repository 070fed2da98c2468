package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.api.RunStatus;
import dev.agentharness.runtime.agent.AgentRegistry;
import dev.agentharness.runtime.agent.JournalSteps;
import dev.agentharness.runtime.agent.RunStep;
import dev.agentharness.runtime.model.ModelClient;
import dev.agentharness.runtime.observability.FinishedRun;
import dev.agentharness.runtime.observability.HarnessMetrics;
import dev.agentharness.runtime.state.RunJournal;
import dev.agentharness.runtime.state.RunReads;
import dev.agentharness.runtime.state.RunRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a finished run — its row as recorded and its whole journal, earlier attempts included — into
 * {@link FinishedRun} for {@link HarnessMetrics}. Called once per run by the replica that recorded its end, so a run
 * resumed on another replica after a crash is counted once, with every model call it paid for.
 *
 * <p>Label values stay bounded: a model name that is neither the default, nor allowed by
 * {@code HARNESS_MODELS_ALLOWED}, nor an agent's own is counted as {@code other} (without an allowlist a request may
 * name any model). A failed model call's error is reduced to a short class read from its recorded message.
 */
@ApplicationScoped
public class RunOutcomeMetrics {

    private static final Logger LOG = Logger.getLogger(RunOutcomeMetrics.class);
    static final String OTHER_MODEL = "other";
    static final String UNKNOWN = "unknown";
    private static final Pattern HTTP_STATUS = Pattern.compile("HTTP (\\d{3})");

    private final HarnessMetrics metrics;
    private final Pricing pricing;
    private final String provider;
    private final Set<String> knownModels;
    private final RunReads reads;
    private final RunJournal journal;

    @Inject
    public RunOutcomeMetrics(HarnessMetrics metrics, Pricing pricing, ModelClient model, RunLimits limits,
                             AgentRegistry agents, @ConfigProperty(name = "harness.model.default") String defaultModel,
                             RunReads reads, RunJournal journal) {
        this(metrics, pricing, model.providerName(),
                knownModels(defaultModel, limits, agents), reads, journal);
    }

    /**
     * @param provider    the OTel GenAI provider name
     * @param knownModels the model names that are label values
     * @param reads       with {@code journal}, where {@link #failedBySweep} reads a run back (null: tests of the mapping)
     */
    public RunOutcomeMetrics(HarnessMetrics metrics, Pricing pricing, String provider, Set<String> knownModels,
                             RunReads reads, RunJournal journal) {
        this.reads = reads;
        this.journal = journal;
        this.metrics = metrics;
        this.pricing = pricing;
        this.provider = provider;
        this.knownModels = Set.copyOf(knownModels);
    }

    private static Set<String> knownModels(String defaultModel, RunLimits limits, AgentRegistry agents) {
        Set<String> models = new HashSet<>();
        models.add(defaultModel);
        limits.modelsAllowed().ifPresent(models::addAll);
        agents.names().forEach(name -> agents.find(name).map(agent -> agent.model()).ifPresent(models::add));
        return models;
    }

    /** Counts {@code run}, which this replica just recorded as ended, from {@code journal} (its terminal step aside). */
    public void finished(RunRecord run, List<RunStep> journal) {
        try {
            metrics.runFinished(finishedRun(run, journal));
        } catch (RuntimeException e) {
            // Counting must never cost a recorded run anything: the outcome is stored already.
            LOG.warnf("could not count the finished run in the metrics (%s)", e.toString());
        }
    }

    /**
     * Counts a run this replica's lease sweep failed (its worker was lost for good): it ended in the sweep's statement,
     * not in an executor, so its row and journal are read back — rare, and off the sweep's thread.
     */
    public void failedBySweep(String runId) {
        try {
            reads.findAny(runId).ifPresent(run -> finished(run, RunJournalWriter.read(journal, runId)));
        } catch (RuntimeException e) {
            LOG.warnf("could not count run %s, failed by the lease sweep, in the metrics (%s)", runId, e.toString());
        }
    }

    FinishedRun finishedRun(RunRecord run, List<RunStep> journal) {
        List<FinishedRun.ModelCall> models = new ArrayList<>();
        List<FinishedRun.ToolCall> tools = new ArrayList<>();
        List<FinishedRun.GuardrailTrip> trips = new ArrayList<>();
        for (RunStep step : journal) {
            JsonNode payload = step.payload();
            switch (step.kind()) {
                case MODEL_RESPONSE -> {
                    long input = payload.path("input_tokens").asLong();
                    long output = payload.path("output_tokens").asLong();
                    models.add(new FinishedRun.ModelCall(provider, model(step.text("model")),
                            responseModel(step.text("response_model")), duration(step), null, input, output,
                            payload.path("cached_input_tokens").asLong(), payload.path("reasoning_tokens").asLong(),
                            // The cost the call recorded when it was made; a step from before that is priced now.
                            JournalSteps.recordedCostUsd(step).orElseGet(() -> pricing.costUsd(input, output))));
                }
                case MODEL_FAILED -> models.add(new FinishedRun.ModelCall(provider, model(step.text("model")), UNKNOWN,
                        duration(step), errorClass(step.text("error")), 0, 0, 0, 0, 0));
                case TOOL_OUTPUT -> tools.add(new FinishedRun.ToolCall(step.text("tool"), duration(step),
                        step.text("error") != null));
                case GUARDRAIL -> {
                    if (payload.path("triggered").asBoolean()) {
                        trips.add(new FinishedRun.GuardrailTrip(step.text("name"), step.text("stage")));
                    }
                }
                default -> {
                }
            }
        }
        String status = run.status().wire();
        String reason = run.status() == RunStatus.SUCCEEDED ? "none" : run.reason() == null ? UNKNOWN : run.reason();
        Duration duration = run.startedAt() == null || run.completedAt() == null ? null
                : Duration.between(run.startedAt(), run.completedAt());
        return new FinishedRun(run.agent(), status, reason, duration, models, tools, trips);
    }

    private String model(String name) {
        return name != null && knownModels.contains(name) ? name : OTHER_MODEL;
    }

    /** The provider's own name for what answered (a dated snapshot of the requested model); bounded by the provider. */
    private static String responseModel(String name) {
        return name == null || name.isBlank() || name.length() > 100 ? UNKNOWN : name;
    }

    /**
     * The short class of a failed call, from the message the model client recorded (it names the HTTP status of the
     * last attempt, or that the call timed out).
     */
    static String errorClass(String message) {
        if (message == null) {
            return "other";
        }
        Matcher status = HTTP_STATUS.matcher(message);
        if (status.find()) {
            int code = Integer.parseInt(status.group(1));
            if (code == 429) {
                return "rate_limited";
            }
            if (code == 408) {
                return "timeout";
            }
            if (code >= 500) {
                return "server_error";
            }
            if (code >= 400) {
                return "bad_request";
            }
        }
        return message.contains("timed out") ? "timeout" : "other";
    }

    private static Duration duration(RunStep step) {
        try {
            String started = step.text("started_at");
            String ended = step.text("ended_at");
            return started == null || ended == null ? null : Duration.between(Instant.parse(started), Instant.parse(ended));
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
