package dev.agentharness.runtime.cli;

import dev.agentharness.runtime.client.HarnessClient;
import dev.agentharness.runtime.client.HttpRunTarget;
import dev.agentharness.runtime.evals.Baseline;
import dev.agentharness.runtime.evals.CaseResult;
import dev.agentharness.runtime.evals.Dataset;
import dev.agentharness.runtime.evals.DatasetException;
import dev.agentharness.runtime.evals.DatasetReader;
import dev.agentharness.runtime.evals.EvalCase;
import dev.agentharness.runtime.evals.EvalReport;
import dev.agentharness.runtime.evals.EvalRunner;
import dev.agentharness.runtime.evals.Graders;
import dev.agentharness.runtime.evals.RunTarget;
import dev.agentharness.runtime.evals.reports.ConsoleTable;
import dev.agentharness.runtime.evals.reports.ReportFiles;
import dev.agentharness.runtime.runs.RunRequestValidator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code eval run}: reads the dataset and the baseline (any error → exit 2 before a single run), checks the target
 * answers (else exit 3), runs every case, prints the table, writes the reports and exits 0, or 1 on a regression.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = HarnessCli.Version.class,
        description = {"Run every case of a golden set as real runs, grade them, print a table and write junit.xml, "
                + "report.md, report.html and results.json.",
                "Exit codes: 0 no regression, 1 a baseline case fails now (without --baseline: any case fails), "
                        + "2 bad dataset/baseline/usage (nothing was run), 3 target unreachable."})
final class EvalRunCommand implements Callable<Integer> {

    private final Cli cli;

    @Option(names = "--dataset", required = true, paramLabel = "FILE", description = "The golden set (JSONL).")
    Path dataset;

    @Option(names = "--target", paramLabel = "URL",
            description = "The harness to run on (default: $HARNESS_URL, else " + Cli.DEFAULT_URL + ").")
    String target;

    @Option(names = "--in-process", description = "Boot a harness in this process on its embedded defaults "
            + "(temporary data directory, free port, generated API key); model from the environment.")
    boolean inProcess;

    @Option(names = "--baseline", paramLabel = "FILE",
            description = "Cases that passed before: a regression is one of them failing now.")
    Path baseline;

    @Option(names = "--update-baseline", description = "Write the cases passing now to the baseline file "
            + "(--baseline, default <dataset>.baseline.json) instead of failing on regressions.")
    boolean updateBaseline;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "4",
            description = "Cases run at once (default ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--agent", paramLabel = "NAME",
            description = "Run every case against this agent (e.g. a candidate version), whatever the case says.")
    String agent;

    @Option(names = "--agent-version", paramLabel = "VERSION",
            description = "Pin every run to this version of its agent (sha256:…, a registered version of the caller's "
                    + "agent, e.g. a candidate not yet active); default: the agent's active version.")
    String agentVersion;

    @Option(names = "--report-dir", paramLabel = "DIR", defaultValue = "eval-reports",
            description = "Where the reports go (default ${DEFAULT-VALUE}).")
    Path reportDir;

    @Option(names = "--run-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "How long to wait for one run (default ${DEFAULT-VALUE}).")
    int runTimeoutSeconds;

    EvalRunCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        if (concurrency < 1) {
            throw new UsageException("--concurrency must be at least 1");
        }
        if (inProcess && target != null) {
            throw new UsageException("--target and --in-process exclude each other");
        }
        if (agentVersion != null && !RunRequestValidator.AGENT_VERSION.matcher(agentVersion).matches()) {
            throw new UsageException("--agent-version must look like sha256:<64 hex digits> (GET /agents/{name} lists "
                    + "the versions), got '" + agentVersion.replaceAll("\\p{Cntrl}", "?") + "'");
        }
        try (CliJudge judges = new CliJudge(cli.env())) {
            Plan plan = plan(judges);
            if (inProcess) {
                return InProcessHarness.run(cli, plan);
            }
            HarnessClient client = new HarnessClient(cli.target(target), cli.apiKey());
            client.ping();
            return plan.execute(cli, new HttpRunTarget(client, plan.runTimeout(), plan.agentVersion()),
                    client.base().toString());
        }
    }

    /** Everything read and checked before the first run. */
    private Plan plan(CliJudge judges) throws DatasetException {
        Dataset read = new DatasetReader(new Graders(judges)).read(dataset);
        List<String> passing = baseline == null ? null : List.copyOf(Baseline.read(baseline, read).passing());
        if (read.needsJudge() && judges.judge().isEmpty()) {
            throw new UsageException(judges.unavailableReason());
        }
        List<EvalCase> cases = agent == null ? read.cases()
                : read.cases().stream().map(evalCase -> evalCase.withAgent(agent)).toList();
        Path baselineOut = updateBaseline ? (baseline == null ? Baseline.defaultFile(dataset) : baseline) : null;
        return new Plan(read, cases, passing, baselineOut, concurrency, reportDir,
                Duration.ofSeconds(runTimeoutSeconds), agentVersion);
    }

    /**
     * A checked eval run, ready to execute against a target.
     *
     * @param baselinePassing the baseline's ids, or {@code null} without one
     * @param updateBaseline  where {@code --update-baseline} writes, or {@code null}
     * @param agentVersion    {@code --agent-version}: every run pinned to it, or {@code null}
     */
    record Plan(Dataset dataset, List<EvalCase> cases, List<String> baselinePassing, Path updateBaseline,
                int concurrency, Path reportDir, Duration runTimeout, String agentVersion) {

        int execute(Cli cli, RunTarget target, String targetName) throws InterruptedException, IOException {
            cli.out().println("eval: " + cases.size() + " cases of " + dataset.file() + " on " + targetName
                    + ", " + concurrency + " at a time");
            EvalReport report = new EvalRunner(target, cli.clock(), concurrency)
                    .run(dataset.file().toString(), targetName, cases, baselinePassing);
            ConsoleTable.print(report, cli.out());
            ReportFiles.write(report, reportDir);
            cli.out().println("reports: " + reportDir.resolve(ReportFiles.HTML) + ", " + ReportFiles.MARKDOWN + ", "
                    + ReportFiles.JUNIT + ", " + ReportFiles.JSON);
            if (updateBaseline != null) {
                long errored = report.count(CaseResult.Outcome.ERROR);
                if (errored > 0) {
                    cli.err().println("error: not updating the baseline: " + errored + " cases could not be run");
                    return HarnessCli.FAILED;
                }
                Baseline.write(updateBaseline, dataset, report.passingIds());
                cli.out().println("baseline " + updateBaseline + " updated: " + report.passingIds().size() + " of "
                        + cases.size() + " cases pass");
                return HarnessCli.OK;
            }
            return report.exitCode();
        }
    }
}
