package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.runtime.evals.Grader;
import dev.agentharness.runtime.evals.Score;
import dev.agentharness.runtime.state.RunSamples;
import dev.agentharness.runtime.storage.ArtifactStore;
import dev.agentharness.runtime.storage.ObjectContent;
import dev.agentharness.runtime.storage.ObjectKeys;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * The nightly evaluation ({@code eval nightly}): samples finished runs of a window ({@link RunSamples}), reads their
 * transcripts from the journal in batches, grades each with its agent's inline evaluators (or {@link NightlyDefaults}
 * when it declares none; the judge among them when the agent declares a rubric), stores the scores with source
 * {@code nightly}, writes {@code reports/nightly/<date>/report.html|report.md|results.json} to the artifact store,
 * and posts a Slack-compatible summary with a presigned link to the report.
 *
 * <p>Read only towards runs: it never writes {@code public.runs} or the journal, never claims; the scores are its
 * only rows.
 */
public final class NightlyEvaluation {

    private static final Logger LOG = Logger.getLogger(NightlyEvaluation.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Transcripts read per statement batch. */
    static final int BATCH = 100;
    public static final String SOURCE = "nightly";

    /** Transcripts of finished runs, read from the journal for many runs at once; absent ids have none. */
    @FunctionalInterface
    public interface Transcripts {
        Map<String, RunTranscript> read(List<String> runIds);
    }

    /** An agent's evaluators (inline ones, the judge among them); empty when it declares none. */
    @FunctionalInterface
    public interface Evaluators {
        List<Grader> of(String agent);
    }

    /** Stores a run's scores under a source, replacing what that source stored for the run before. */
    @FunctionalInterface
    public interface ScoreSink {
        void store(String runId, String source, List<GraderScore> scores);
    }

    /** A score with the kind of the grader that gave it ({@code tools_called}, {@code judge}, {@code completed}…). */
    public record GraderScore(String kind, Score score) {
    }

    /** What one night asks for. */
    public record Options(Duration window, int sample, boolean perAgent, long seed, int concurrency, Duration linkTtl,
                          int worstRuns) {

        public Options {
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("--window must be positive, not " + window);
            }
            if (sample < 1) {
                throw new IllegalArgumentException("--sample must be at least 1, not " + sample);
            }
            if (concurrency < 1) {
                throw new IllegalArgumentException("--concurrency must be at least 1, not " + concurrency);
            }
            ArtifactStore.checkTtl(linkTtl);
        }
    }

    /**
     * A window as the settings and {@code --window} take it: {@code 24h}, {@code 90m}, {@code 2d}, {@code 3600s}, or
     * ISO-8601 ({@code PT24H}, {@code P1D}).
     *
     * @throws IllegalArgumentException naming the value when it is none of these or not positive
     */
    public static Duration parseWindow(String text) {
        String value = text == null ? "" : text.strip();
        Duration window;
        try {
            if (value.matches("[0-9]+[smhd]")) {
                long amount = Long.parseLong(value.substring(0, value.length() - 1));
                window = switch (value.charAt(value.length() - 1)) {
                    case 's' -> Duration.ofSeconds(amount);
                    case 'm' -> Duration.ofMinutes(amount);
                    case 'h' -> Duration.ofHours(amount);
                    default -> Duration.ofDays(amount);
                };
            } else {
                window = Duration.parse(value);
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("window '" + value + "' is not a duration: write 24h, 90m, 2d or PT24H");
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window '" + value + "' must be positive");
        }
        return window;
    }

    /** What a night produced: the report, where it is, and whether the webhook got the summary. */
    public record Outcome(NightlyReport report, String reportKey, URI link, Optional<Boolean> webhookDelivered) {
    }

    private final RunSamples samples;
    private final Transcripts transcripts;
    private final Evaluators evaluators;
    private final ScoreSink scores;
    private final ArtifactStore store;
    private final Optional<WebhookSender> webhook;
    private final String traceLinkBase;
    private final Clock clock;

    public NightlyEvaluation(RunSamples samples, Transcripts transcripts, Evaluators evaluators, ScoreSink scores,
                             ArtifactStore store, Optional<WebhookSender> webhook, String traceLinkBase, Clock clock) {
        this.samples = samples;
        this.transcripts = transcripts;
        this.evaluators = evaluators;
        this.scores = scores;
        this.store = store;
        this.webhook = webhook;
        this.traceLinkBase = traceLinkBase == null ? "" : traceLinkBase.replaceAll("/+$", "");
        this.clock = clock;
    }

    public Outcome run(Options options) throws InterruptedException {
        Instant started = clock.instant();
        Instant to = started;
        Instant from = to.minus(options.window());
        LocalDate date = LocalDate.ofInstant(to, ZoneOffset.UTC);
        long population = samples.finishedCount(from, to);
        List<RunSamples.SampledRun> sample = samples.sample(from, to, options.sample(), options.perAgent(),
                options.seed());
        List<NightlyReport.GradedRun> graded = grade(sample, options.concurrency());
        Map<String, Double> previous = previousPassRates(date.minusDays(1));
        NightlyReport report = new NightlyReport(date, from, to, population, options.sample(), options.perAgent(),
                options.seed(), graded, previous, options.worstRuns(), Duration.between(started, clock.instant()));

        String prefix = "nightly/" + date + "/";
        String htmlKey = ObjectKeys.report(prefix + "report.html");
        store.put(ObjectKeys.report(prefix + "report.md"), report.markdown().getBytes(StandardCharsets.UTF_8),
                "text/markdown; charset=utf-8");
        store.put(ObjectKeys.report(prefix + "results.json"), report.json().getBytes(StandardCharsets.UTF_8),
                "application/json");
        store.put(htmlKey, report.html().getBytes(StandardCharsets.UTF_8), "text/html; charset=utf-8");
        URI link = store.presignGet(htmlKey, options.linkTtl());

        Optional<Boolean> delivered = Optional.empty();
        if (webhook.isPresent()) {
            WebhookSender.Outcome outcome = webhook.get().post(slackSummary(report, link));
            delivered = Optional.of(outcome.delivered());
            if (!outcome.delivered()) {
                LOG.warnf("nightly summary not delivered to webhook host %s: %s", webhook.get().host(),
                        outcome.failure() != null ? outcome.failure() : "HTTP " + outcome.status());
            }
        }
        List<NightlyReport.Regression> regressions = report.regressions();
        // One line for log search and dashboards; the link is a credential for its lifetime, so only the key is logged.
        LOG.infof("nightly evaluation %s: sampled=%d of %d finished, graded=%d, errors=%d, passed=%d (%s), "
                        + "regressions=%d, report=%s, webhook=%s, took=%dms", date, graded.size(), population,
                report.graded(), report.errors(), report.passedRuns(), NightlyReport.percent(report.passRate()),
                regressions.size(), htmlKey, delivered.map(d -> d ? "sent" : "failed").orElse("off"),
                report.took().toMillis());
        return new Outcome(report, htmlKey, link, delivered);
    }

    private List<NightlyReport.GradedRun> grade(List<RunSamples.SampledRun> sample, int concurrency)
            throws InterruptedException {
        List<NightlyReport.GradedRun> graded = new ArrayList<>(sample.size());
        Semaphore permits = new Semaphore(concurrency);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int start = 0; start < sample.size(); start += BATCH) {
                List<RunSamples.SampledRun> batch = sample.subList(start, Math.min(sample.size(), start + BATCH));
                Map<String, RunTranscript> read = transcripts.read(batch.stream().map(RunSamples.SampledRun::runId).toList());
                List<Future<NightlyReport.GradedRun>> futures = new ArrayList<>(batch.size());
                for (RunSamples.SampledRun run : batch) {
                    permits.acquire();
                    futures.add(pool.submit(() -> {
                        try {
                            return gradeOne(run, read.get(run.runId()));
                        } finally {
                            permits.release();
                        }
                    }));
                }
                for (Future<NightlyReport.GradedRun> future : futures) {
                    try {
                        graded.add(future.get());
                    } catch (ExecutionException e) {
                        throw new IllegalStateException("grading failed unexpectedly", e.getCause());
                    }
                }
            }
        }
        return graded;
    }

    private NightlyReport.GradedRun gradeOne(RunSamples.SampledRun run, RunTranscript transcript) {
        String traceLink = traceLinkBase + "/runs/" + run.runId() + "/trace";
        if (transcript == null) {
            return new NightlyReport.GradedRun(run.runId(), run.agent(), run.status(), traceLink, List.of(),
                    "no transcript (the run's journal is gone)");
        }
        List<Grader> graders = evaluators.of(run.agent());
        if (graders.isEmpty()) {
            graders = NightlyDefaults.graders();
        }
        List<Score> results = new ArrayList<>(graders.size());
        List<GraderScore> stored = new ArrayList<>(graders.size());
        for (Grader grader : graders) {
            Score score;
            try {
                score = grader.grade(transcript);
            } catch (RuntimeException e) {
                // A grader never throws by contract; one that does fails its score, not the night.
                score = Score.fail(grader.name(), "the evaluator failed: " + e.getClass().getSimpleName());
            }
            results.add(score);
            stored.add(new GraderScore(grader.kind(), score));
        }
        scores.store(run.runId(), SOURCE, stored);
        return new NightlyReport.GradedRun(run.runId(), run.agent(), run.status(), traceLink, results, null);
    }

    private Map<String, Double> previousPassRates(LocalDate day) {
        String key = ObjectKeys.report("nightly/" + day + "/results.json");
        try {
            Optional<ObjectContent> previous = store.get(key);
            if (previous.isEmpty()) {
                return Map.of();
            }
            try (ObjectContent content = previous.get()) {
                return NightlyReport.passRates(JSON.readTree(content.stream()));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf("previous night's results (%s) not readable, no comparison: %s", key, e.getClass().getSimpleName());
            return Map.of();
        }
    }

    /** Slack's incoming-webhook shape, as the alerts: {@code text} + section blocks + a context line. */
    static String slackSummary(NightlyReport report, URI link) {
        List<NightlyReport.Regression> regressions = report.regressions();
        String text = String.format(java.util.Locale.ROOT, "Nightly evaluation %s: %d/%d sampled runs passed (%s)%s. "
                        + "Report: %s", report.date(), report.passedRuns(), report.runs().size(),
                NightlyReport.percent(report.passRate()),
                regressions.isEmpty() ? "" : ", " + regressions.size() + " regression(s) since the previous night",
                link);
        ObjectNode root = JSON.createObjectNode().put("text", text);
        ArrayNode blocks = root.putArray("blocks");
        blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn")
                .put("text", "*Nightly evaluation " + report.date() + "*: " + report.passedRuns() + "/"
                        + report.runs().size() + " sampled runs passed (" + NightlyReport.percent(report.passRate())
                        + ") — <" + link + "|report>");
        StringBuilder rates = new StringBuilder();
        for (NightlyReport.Stat stat : report.stats()) {
            Double before = report.previousPassRates().get(stat.key());
            rates.append("• `").append(stat.key()).append("` ").append(NightlyReport.percent(stat.passRate()))
                    .append(" (mean ").append(String.format(java.util.Locale.ROOT, "%.2f", stat.meanScore())).append(")")
                    .append(before == null ? "" : " was " + NightlyReport.percent(before)).append('\n');
        }
        if (!rates.isEmpty()) {
            blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn").put("text", rates.toString());
        }
        if (!regressions.isEmpty()) {
            StringBuilder drops = new StringBuilder("*Regressions*\n");
            regressions.forEach(r -> drops.append("• `").append(r.key()).append("` ")
                    .append(NightlyReport.percent(r.before())).append(" → ").append(NightlyReport.percent(r.now()))
                    .append('\n'));
            blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn").put("text", drops.toString());
        }
        blocks.addObject().put("type", "context").putArray("elements").addObject().put("type", "mrkdwn")
                .put("text", "agent-harness · nightly_evaluation · " + report.header());
        return root.toString();
    }
}
