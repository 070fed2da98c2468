package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.state.Database;
import dev.agentharness.runtime.state.EvalScores;
import dev.agentharness.runtime.state.RunSamples;
import dev.agentharness.runtime.storage.Storage;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code eval nightly} inside the booted harness (job role, {@link HarnessRoles}): waits for the database, builds a
 * {@link NightlyEvaluation} from the harness's own beans — its database, artifact store, agents' evaluators (with the
 * judge on the configured model), alert webhook settings — and runs one night with {@link NightlySettings} (which the
 * command line overrides).
 */
@ApplicationScoped
public class NightlyJob {

    private static final Duration DATABASE_WAIT = Duration.ofMinutes(2);

    private final NightlySettings settings;
    private final AlertSettings alerts;
    private final Database database;
    private final RunSamples samples;
    private final EvalScores scores;
    private final Storage storage;
    private final NightlyEvaluation.Evaluators evaluators;
    private final Optional<String> publicUrl;
    private final Clock clock;

    public NightlyJob(NightlySettings settings, AlertSettings alerts, Database database, RunSamples samples,
                      EvalScores scores, Storage storage, NightlyEvaluators evaluators,
                      @ConfigProperty(name = "harness.storage.public-url") Optional<String> publicUrl, Clock clock) {
        this.settings = settings;
        this.alerts = alerts;
        this.database = database;
        this.samples = samples;
        this.scores = scores;
        this.storage = storage;
        this.evaluators = evaluators;
        this.publicUrl = publicUrl;
        this.clock = clock;
    }

    /** The options the settings describe (validated: a bad value names itself). */
    public NightlyEvaluation.Options options() {
        return new NightlyEvaluation.Options(NightlyEvaluation.parseWindow(settings.window()), settings.sample(),
                settings.perAgent(), settings.seed().orElseGet(() -> ThreadLocalRandom.current().nextLong(1L << 48)),
                settings.concurrency(), Duration.parse(settings.linkTtl()), settings.worstRuns());
    }

    public NightlyEvaluation.Outcome run() throws InterruptedException {
        NightlyEvaluation.Options options = options();
        if (!database.awaitReady(DATABASE_WAIT)) {
            throw new IllegalStateException("the database is not ready after " + DATABASE_WAIT.toSeconds()
                    + " s (unreachable, or its migrations failed: see the log above)");
        }
        Optional<WebhookSender> webhook = settings.webhookUrl().filter(url -> !url.isBlank())
                .map(url -> new WebhookSender("nightly-webhook", WebhookSender.parse(url,
                        "HARNESS_EVAL_WEBHOOK_URL (or HARNESS_ALERTS_WEBHOOK_URL)"), alerts.maxAttempts(),
                        alerts.retryInitialBackoffMillis(), alerts.requestTimeoutSeconds()));
        // Every score of the night carries the night's start: the nightly gauges show exactly the latest night.
        Instant night = clock.instant();
        NightlyEvaluation nightly = new NightlyEvaluation(samples, new NightlyTranscripts(samples), evaluators,
                (runId, source, results) -> store(runId, source, results, night), storage.store(), webhook,
                publicUrl.orElse(""), clock);
        return nightly.run(options);
    }

    private void store(String runId, String source, List<NightlyEvaluation.GraderScore> results, Instant night) {
        scores.upsert(runId, source, results.stream().map(r -> new EvalScores.NewScore(r.score().evaluator(), r.kind(),
                r.score().value(), r.score().label(), r.score().passed(), r.score().explanation())).toList(), night);
    }
}
