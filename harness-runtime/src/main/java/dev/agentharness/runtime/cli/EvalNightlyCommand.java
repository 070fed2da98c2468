package dev.agentharness.runtime.cli;

import dev.agentharness.runtime.runs.HarnessRoles;
import dev.agentharness.runtime.runs.NightlyEvaluation;
import dev.agentharness.runtime.runs.NightlyJob;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code eval nightly}: the nightly evaluation as a one-shot job. Unlike the client commands it boots the harness —
 * with the server's own configuration (DATABASE_URL, storage, model, webhook) — but as a job
 * ({@link HarnessRoles#becomeJob}): no HTTP listener, no run worker, no sandbox reaper, no scheduled job. It grades a
 * sample of the finished runs of the window, stores the scores (source nightly), writes the report to the artifact
 * store under {@code reports/nightly/<date>/}, posts the summary to the webhook, prints the report's presigned link
 * and exits. Flags override the {@code HARNESS_EVAL_NIGHTLY_*} variables; they are checked before anything boots.
 */
@Command(name = "nightly", mixinStandardHelpOptions = true, versionProvider = HarnessCli.Version.class,
        description = {"Grade a sample of the last window's finished runs with each agent's evaluators (and the judge), "
                + "store the scores, write reports/nightly/<date>/report.html|report.md|results.json to the artifact "
                + "store, post a summary to the webhook and print the report's link.",
                "Configured like the harness itself (DATABASE_URL, R2_*/S3_ENDPOINT, the model, "
                        + "HARNESS_EVAL_WEBHOOK_URL or HARNESS_ALERTS_WEBHOOK_URL); starts no HTTP listener and no run "
                        + "worker.",
                "Exit codes: 0 done (whatever the scores), 1 the night failed (database, storage, or the webhook "
                        + "refused the summary), 2 bad usage."})
final class EvalNightlyCommand implements Callable<Integer> {

    /** What the booted application prints to; set just before {@link Quarkus#run} (one night per JVM). */
    private static volatile Cli running;

    private final Cli cli;

    @Option(names = "--window", paramLabel = "DURATION",
            description = "Finished runs of this last window (24h, 90m, 2d, PT24H; default $HARNESS_EVAL_NIGHTLY_WINDOW, "
                    + "else 24h).")
    String window;

    @Option(names = "--sample", paramLabel = "N",
            description = "Runs to grade (default $HARNESS_EVAL_NIGHTLY_SAMPLE, else 200).")
    Integer sample;

    @Option(names = "--per-agent", description = "Sample up to --sample runs of every agent instead of overall.")
    boolean perAgent;

    @Option(names = "--seed", paramLabel = "N",
            description = "Fix which runs are sampled (same seed, same runs, same sample); default: a new one each night, "
                    + "written into the report.")
    Long seed;

    @Option(names = "--concurrency", paramLabel = "N",
            description = "Runs graded at once (default $HARNESS_EVAL_NIGHTLY_CONCURRENCY, else 8).")
    Integer concurrency;

    EvalNightlyCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        Map<String, String> overrides = overrides();
        overrides.forEach(System::setProperty);
        HarnessRoles.becomeJob();
        running = cli;
        int[] exitCode = {HarnessCli.FAILED};
        try {
            Quarkus.run(Application.class, (code, failure) -> {
                if (failure != null) {
                    cli.err().println("error: eval nightly failed to start: " + failure.getMessage());
                }
                exitCode[0] = failure != null ? HarnessCli.FAILED : code;
            });
        } finally {
            running = null;
        }
        return exitCode[0];
    }

    /** The flags as configuration overrides (system properties outrank the environment); bad values → exit 2. */
    Map<String, String> overrides() {
        Map<String, String> overrides = new LinkedHashMap<>();
        if (window != null) {
            try {
                NightlyEvaluation.parseWindow(window);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--window: " + e.getMessage());
            }
            overrides.put("harness.evals.nightly.window", window.strip());
        }
        if (sample != null) {
            if (sample < 1) {
                throw new UsageException("--sample must be at least 1, not " + sample);
            }
            overrides.put("harness.evals.nightly.sample", Integer.toString(sample));
        }
        if (concurrency != null) {
            if (concurrency < 1) {
                throw new UsageException("--concurrency must be at least 1, not " + concurrency);
            }
            overrides.put("harness.evals.nightly.concurrency", Integer.toString(concurrency));
        }
        if (perAgent) {
            overrides.put("harness.evals.nightly.per-agent", "true");
        }
        if (seed != null) {
            overrides.put("harness.evals.nightly.seed", Long.toString(seed));
        }
        return overrides;
    }

    /** Run by Quarkus once the job's beans are up; its answer is the process's exit code. */
    public static final class Application implements QuarkusApplication {

        @Override
        public int run(String... args) {
            Cli cli = running != null ? running : Cli.system();
            try {
                NightlyEvaluation.Outcome outcome = Arc.container().instance(NightlyJob.class).get().run();
                cli.out().println(outcome.report().header());
                cli.out().println("report: " + outcome.link());
                if (outcome.webhookDelivered().isPresent() && !outcome.webhookDelivered().get()) {
                    cli.err().println("error: the webhook did not accept the summary (see the log); the scores and "
                            + "the report are stored");
                    return HarnessCli.FAILED;
                }
                return HarnessCli.OK;
            } catch (IllegalArgumentException e) {
                cli.err().println("error: " + e.getMessage());
                return HarnessCli.USAGE;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                cli.err().println("error: interrupted");
                return HarnessCli.FAILED;
            } catch (RuntimeException e) {
                // Store and database messages never carry a credential (S3ArtifactStore, DatabaseUrl rewrite them).
                cli.err().println("error: eval nightly failed: " + e.getMessage());
                return HarnessCli.FAILED;
            }
        }
    }
}
