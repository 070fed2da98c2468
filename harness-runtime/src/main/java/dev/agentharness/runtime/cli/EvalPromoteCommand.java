package dev.agentharness.runtime.cli;

import dev.agentharness.api.RunTranscript;
import dev.agentharness.api.SessionResponse;
import dev.agentharness.runtime.client.HarnessApiException;
import dev.agentharness.runtime.client.HarnessClient;
import dev.agentharness.runtime.evals.CasePromotion;
import dev.agentharness.runtime.evals.DatasetReader;
import dev.agentharness.runtime.evals.Graders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code eval promote}: turns a finished run into a golden case appended to a dataset — its input, its session's
 * earlier inputs as history, and expectations describing what it did (see {@link CasePromotion}) — checked by the
 * dataset reader before it is written. Refuses a run that has not finished and an id the dataset already has.
 */
@Command(name = "promote", mixinStandardHelpOptions = true, versionProvider = HarnessCli.Version.class,
        description = {"Append a finished run to a golden set as a case with editable expectations and a provenance "
                + "note; prints the line and what to do next.",
                "Exit codes: 0 appended, 1 the harness answered an error (e.g. unknown run), 2 refused (run not "
                        + "finished, id taken, dataset invalid), 3 harness unreachable."})
final class EvalPromoteCommand implements Callable<Integer> {

    private final Cli cli;

    @Option(names = "--run-id", required = true, paramLabel = "ID", description = "The run to promote.")
    String runId;

    @Option(names = "--dataset", required = true, paramLabel = "FILE", description = "The golden set to append to "
            + "(created when missing).")
    Path dataset;

    @Option(names = "--id", paramLabel = "CASE_ID", description = "The new case's id (default promoted-<run id>).")
    String caseId;

    @Option(names = "--target", paramLabel = "URL",
            description = "The harness (default: $HARNESS_URL, else " + Cli.DEFAULT_URL + ").")
    String target;

    EvalPromoteCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        String id = caseId == null ? CasePromotion.defaultId(runId) : caseId;
        if (!DatasetReader.CASE_ID.matcher(id).matches()) {
            throw new UsageException("--id '" + id + "' must match " + DatasetReader.CASE_ID.pattern());
        }
        DatasetReader reader = new DatasetReader(Graders.withoutJudge());
        if (Files.exists(dataset) && existingIds(reader).contains(id)) {
            throw new UsageException(dataset + " already has a case '" + id + "': choose another with --id");
        }
        HarnessClient client = new HarnessClient(cli.target(target), cli.apiKey());
        RunTranscript run = client.transcript(runId);
        if (run.status() == null || !run.status().terminal()) {
            throw new UsageException("run " + runId + " has not finished (" + (run.status() == null ? "unknown"
                    : run.status().wire()) + "): promote it once it has");
        }
        String line = CasePromotion.caseLine(id, run, history(client, run), LocalDate.now(cli.clock()));
        String existing = Files.exists(dataset) ? Files.readString(dataset) : "";
        String appended = existing + (existing.isEmpty() || existing.endsWith("\n") ? "" : "\n") + line + "\n";
        reader.parse(dataset, appended); // the new line must read back as a case before the file changes
        Path parent = dataset.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(dataset, appended.substring(existing.length()), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        cli.out().println(line);
        cli.out().println();
        cli.out().println("appended case '" + id + "' to " + dataset + ". Next: review its expectations (keep what "
                + "must hold, loosen the rest: exact tool arguments, reply words), run `agent-harness eval run "
                + "--dataset " + dataset + "`, and add '" + id + "' to the baseline once it passes.");
        return HarnessCli.OK;
    }

    /** The ids the dataset has now; none when it does not read (yet): the check of the appended file decides. */
    private java.util.Set<String> existingIds(DatasetReader reader) throws java.io.IOException {
        try {
            return reader.read(dataset).cases().stream().map(c -> c.id()).collect(java.util.stream.Collectors.toSet());
        } catch (dev.agentharness.runtime.evals.DatasetException e) {
            return java.util.Set.of(); // e.g. only comments so far
        }
    }

    /** The inputs of the session's runs before this one, oldest first; none for a run without a session. */
    private static List<String> history(HarnessClient client, RunTranscript run) throws Exception {
        if (run.sessionId() == null) {
            return List.of();
        }
        SessionResponse session;
        try {
            session = client.session(run.sessionId());
        } catch (HarnessApiException e) {
            if (e.status() == 404) {
                return List.of();
            }
            throw e;
        }
        List<String> earlier = new ArrayList<>();
        for (SessionResponse.Turn turn : session.runs() == null ? List.<SessionResponse.Turn>of() : session.runs()) {
            if (turn.runId().equals(run.runId())) {
                break;
            }
            earlier.add(turn.message());
        }
        return earlier;
    }
}
