package dev.agentharness.runtime.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The harness's domain metrics at {@code /metrics}. Names, types and labels are a contract with the chart's alert
 * rules and Grafana dashboard (docs/observability.md); {@code MetricsScrapeTest} checks the names as Prometheus renders
 * them ({@code .} → {@code _}, {@code _total} on counters, {@code _seconds} on timers).
 *
 * <p>Run outcomes are counted once, from the run's whole journal, by the replica that recorded the end
 * ({@link #runFinished}); everything else is live. Label values come from closed sets or configuration only.
 */
@ApplicationScoped
public class HarnessMetrics {

    /** OTel GenAI semantic conventions: the explicit bucket boundaries of {@code gen_ai.client.operation.duration}. */
    static final double[] GEN_AI_DURATION_BUCKETS_SECONDS = {0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56,
            5.12, 10.24, 20.48, 40.96, 81.92};
    /** OTel GenAI semantic conventions: the explicit bucket boundaries of {@code gen_ai.client.token.usage}. */
    static final double[] GEN_AI_TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
            4194304, 16777216, 67108864};
    /** The GenAI operation of a Responses API call. */
    static final String GEN_AI_OPERATION = "chat";

    private final MeterRegistry registry;
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong databaseUp = new AtomicLong();
    private final AtomicLong objectStoreUp = new AtomicLong();
    private final io.micrometer.core.instrument.MultiGauge spendToday;
    private final io.micrometer.core.instrument.MultiGauge spendAverage;
    private final io.micrometer.core.instrument.MultiGauge evalScore;
    private final io.micrometer.core.instrument.MultiGauge evalPassRate;

    @Inject
    public HarnessMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("agentharness.runs.queued", queued, AtomicLong::get)
                .description("Runs queued in the database (the same on every replica: aggregate with max())")
                .register(registry);
        Gauge.builder("agentharness.database.up", databaseUp, AtomicLong::get)
                .description("1 when the last database probe (the lease heartbeat) succeeded, else 0")
                .register(registry);
        Gauge.builder("agentharness.object_store.up", objectStoreUp, AtomicLong::get)
                .description("1 when the last artifact-store probe succeeded, else 0")
                .register(registry);
        spendToday = io.micrometer.core.instrument.MultiGauge.builder("agentharness.principal.spend.today.usd")
                .description("A principal's model spend since UTC midnight, from public.usage (the same on every "
                        + "replica: aggregate with max()); the top principals by spend, the rest as principal=\"other\"")
                .register(registry);
        spendAverage = io.micrometer.core.instrument.MultiGauge.builder("agentharness.principal.spend.daily_average_7d.usd")
                .description("A principal's average daily model spend over the 7 UTC days before today, from "
                        + "public.usage (aggregate with max()); same principals as the today gauge")
                .register(registry);
        evalScore = io.micrometer.core.instrument.MultiGauge.builder("agentharness.eval.score")
                .description("Average inline evaluation score (0..1) per agent and evaluator over the last 24 h, from "
                        + "public.eval_scores (the same on every replica: aggregate with max())")
                .register(registry);
        evalPassRate = io.micrometer.core.instrument.MultiGauge.builder("agentharness.eval.pass_rate")
                .description("Share of inline evaluations that passed per agent and evaluator over the last 24 h, "
                        + "from public.eval_scores (aggregate with max())")
                .register(registry);
        // Present before the first refresh (principal="other", 0), so the alert's names are always scraped.
        principalSpend(java.util.Map.of("other", new double[] {0, 0}));
        // Label-less counters exist from the start, so rate() and the dashboard see 0 rather than no series.
        leasesExpired(0);
        runsRecovered(0);
        Counter.builder("agentharness.evaluations.skipped")
                .description("Finished runs not evaluated inline because the evaluation queue was full")
                .register(registry);
    }

    // ---- evaluations ----

    /**
     * One inline evaluation of a run: {@code result} is {@code passed}, {@code failed} or {@code error} (the evaluator
     * threw; scored as failed). Agents and evaluators come from configuration (agent files), a closed set.
     */
    public void evaluated(String agent, String evaluator, String result) {
        Counter.builder("agentharness.evaluations").description("Inline evaluations of finished runs, by result")
                .tag("agent", agent).tag("evaluator", evaluator).tag("result", result)
                .register(registry).increment();
    }

    /** A finished run was not evaluated: the bounded evaluation queue was full (never waited for). */
    public void evaluationSkipped() {
        Counter.builder("agentharness.evaluations.skipped")
                .description("Finished runs not evaluated inline because the evaluation queue was full")
                .register(registry).increment();
    }

    /** One (agent, evaluator) of the score gauges: the last 24 h's average score and pass rate. */
    public record EvalAverage(String agent, String evaluator, double score, double passRate) {
    }

    /** Replaces the score gauges with {@code averages} (a periodic job reads them from public.eval_scores). */
    public void evalScores(java.util.List<EvalAverage> averages) {
        java.util.List<io.micrometer.core.instrument.MultiGauge.Row<?>> scores = new java.util.ArrayList<>();
        java.util.List<io.micrometer.core.instrument.MultiGauge.Row<?>> passRates = new java.util.ArrayList<>();
        for (EvalAverage average : averages) {
            io.micrometer.core.instrument.Tags tags = io.micrometer.core.instrument.Tags.of("agent", average.agent(),
                    "evaluator", average.evaluator());
            scores.add(io.micrometer.core.instrument.MultiGauge.Row.of(tags, average.score()));
            passRates.add(io.micrometer.core.instrument.MultiGauge.Row.of(tags, average.passRate()));
        }
        evalScore.register(scores, true);
        evalPassRate.register(passRates, true);
    }

    // ---- live ----

    /** A new run was accepted (not an idempotent replay). */
    public void runSubmitted(String agent) {
        Counter.builder("agentharness.runs.submitted").description("Runs accepted by POST /runs (new runs only)")
                .tag("agent", agent).register(registry).increment();
    }

    /** A run was claimed for the first time, {@code wait} after it was created. */
    public void runClaimedFirst(String agent, Duration wait) {
        Timer.builder("agentharness.run.queue.wait").description("Created → first claimed")
                .tag("agent", agent).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(1))
                .register(registry).record(wait.isNegative() ? Duration.ZERO : wait);
    }

    /** Runs executing on this replica: read from {@code count} at each scrape (a map's size, no I/O). */
    public void runsInFlight(Supplier<Number> count) {
        Gauge.builder("agentharness.runs.in_flight", count).description("Runs executing on this replica")
                .strongReference(true).register(registry);
    }

    /** The latest count of queued runs, read from the database by a periodic job (never per scrape). */
    public void runsQueued(long count) {
        queued.set(count);
    }

    /** This replica's sweep found {@code expired} leases of other replicas' runs. */
    public void leasesExpired(int expired) {
        Counter.builder("agentharness.leases.expired").description("Run leases found expired by this replica's sweep")
                .register(registry).increment(expired);
    }

    /** {@code resumed} runs went back to the queue to be resumed from their journal after a lost worker. */
    public void runsRecovered(int resumed) {
        Counter.builder("agentharness.runs.recovered").description("Runs resumed from their journal after a lost worker")
                .register(registry).increment(resumed);
    }

    /**
     * The cost-spike signal, per principal: today's spend and the trailing 7-day daily average, for a bounded set of
     * principals (the caller keeps the top N and sums the rest into {@code other}). Replaces the previous set.
     */
    public void principalSpend(java.util.Map<String, double[]> todayAndAverageByPrincipal) {
        java.util.List<io.micrometer.core.instrument.MultiGauge.Row<?>> today = new java.util.ArrayList<>();
        java.util.List<io.micrometer.core.instrument.MultiGauge.Row<?>> average = new java.util.ArrayList<>();
        todayAndAverageByPrincipal.forEach((principal, values) -> {
            today.add(io.micrometer.core.instrument.MultiGauge.Row.of(
                    io.micrometer.core.instrument.Tags.of("principal", principal), values[0]));
            average.add(io.micrometer.core.instrument.MultiGauge.Row.of(
                    io.micrometer.core.instrument.Tags.of("principal", principal), values[1]));
        });
        spendToday.register(today, true);
        spendAverage.register(average, true);
    }

    public void databaseProbed(boolean up) {
        databaseUp.set(up ? 1 : 0);
    }

    public void objectStoreProbed(boolean up) {
        objectStoreUp.set(up ? 1 : 0);
    }

    // ---- from a finished run's journal ----

    /** Counts a run that reached a terminal status; call once per run, on the replica that recorded its end. */
    public void runFinished(FinishedRun run) {
        Counter.builder("agentharness.runs.finished").description("Runs that reached a terminal status")
                .tag("agent", run.agent()).tag("status", run.status()).tag("reason", run.reason())
                .register(registry).increment();
        if (run.duration() != null) {
            Timer.builder("agentharness.run.duration").description("Started → finished")
                    .tag("agent", run.agent()).tag("status", run.status()).publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofHours(2))
                    .register(registry).record(run.duration());
        }
        run.modelCalls().forEach(this::modelCall);
        for (FinishedRun.ToolCall call : run.toolCalls()) {
            if (call.duration() != null) {
                Timer.builder("agentharness.tool.duration").description("One tool call")
                        .tag("tool", call.tool()).tag("outcome", call.failed() ? "error" : "ok")
                        .publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(15))
                        .register(registry).record(call.duration());
            }
            if (call.failed()) {
                Counter.builder("agentharness.tool.errors").description("Tool calls that returned an error")
                        .tag("tool", call.tool()).register(registry).increment();
            }
        }
        for (FinishedRun.GuardrailTrip trip : run.guardrailTrips()) {
            Counter.builder("agentharness.guardrail.trips").description("Guardrails that tripped")
                    .tag("guardrail", trip.guardrail()).tag("stage", trip.stage()).register(registry).increment();
        }
    }

    private void modelCall(FinishedRun.ModelCall call) {
        String outcome = call.failed() ? "error" : "ok";
        if (call.duration() != null) {
            Timer.builder("agentharness.model.call.duration").description("One model call")
                    .tag("model", call.model()).tag("outcome", outcome).publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofMinutes(10))
                    .register(registry).record(call.duration());
            // error.type only on errors: Prometheus needs one label set per name, and an empty value is no label.
            Timer.builder("gen_ai.client.operation.duration").description("GenAI operation duration")
                    .tags(genAi(call)).tag("error.type", call.failed() ? call.error() : "")
                    .serviceLevelObjectives(durations(GEN_AI_DURATION_BUCKETS_SECONDS))
                    .register(registry).record(call.duration());
        }
        if (call.failed()) {
            Counter.builder("agentharness.model.errors").description("Failed model calls")
                    .tag("model", call.model()).tag("error", call.error()).register(registry).increment();
            return;
        }
        tokens(call.model(), "input", call.inputTokens());
        tokens(call.model(), "output", call.outputTokens());
        tokens(call.model(), "cached_input", call.cachedInputTokens());
        tokens(call.model(), "reasoning", call.reasoningTokens());
        Counter.builder("agentharness.cost.usd").description("Spend in USD (price table × tokens)")
                .tag("model", call.model()).register(registry).increment(call.costUsd());
        for (String type : new String[] {"input", "output"}) {
            DistributionSummary.builder("gen_ai.client.token.usage").description("Number of input and output tokens used")
                    .tags(genAi(call)).tag("gen_ai.token.type", type).serviceLevelObjectives(GEN_AI_TOKEN_BUCKETS)
                    .register(registry).record("input".equals(type) ? call.inputTokens() : call.outputTokens());
        }
    }

    private void tokens(String model, String type, long count) {
        // Registered even at 0, so every model shows all four types once it answered.
        Counter.builder("agentharness.model.tokens").description("Tokens by model")
                .tag("model", model).tag("type", type).register(registry).increment(count);
    }

    private static String[] genAi(FinishedRun.ModelCall call) {
        return new String[] {"gen_ai.operation.name", GEN_AI_OPERATION, "gen_ai.provider.name", call.provider(),
                "gen_ai.request.model", call.model(), "gen_ai.response.model", call.responseModel()};
    }

    private static Duration[] durations(double[] seconds) {
        Duration[] durations = new Duration[seconds.length];
        for (int i = 0; i < seconds.length; i++) {
            durations[i] = Duration.ofNanos(Math.round(seconds[i] * 1e9));
        }
        return durations;
    }
}
