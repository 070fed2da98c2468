package dev.agentharness.runtime.cli;

import dev.agentharness.api.RunResponse;
import dev.agentharness.runtime.client.HarnessApiException;
import dev.agentharness.runtime.client.HarnessClient;
import dev.agentharness.runtime.client.HarnessUnreachableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code runs get|events|cancel}: one run on a harness, over its HTTP API. */
@Command(name = "runs", mixinStandardHelpOptions = true, versionProvider = HarnessCli.Version.class,
        description = "Inspect or cancel a run on a harness (HARNESS_URL, HARNESS_API_KEY).")
final class RunsCommand implements Callable<Integer> {

    /** Output formats of {@code runs get}. */
    enum Format { text, json }

    private final Cli cli;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--target", paramLabel = "URL", scope = CommandLine.ScopeType.INHERIT,
            description = "The harness (default: $HARNESS_URL, else " + Cli.DEFAULT_URL + ").")
    String target;

    RunsCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: runs get, events or cancel");
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a run.")
    int get(@Parameters(paramLabel = "RUN_ID", description = "The run's id.") String runId,
            @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
                    description = "text (default) or json (the API's body, every field).") Format format)
            throws HarnessApiException, HarnessUnreachableException {
        HarnessClient client = client();
        if (format == Format.json) {
            try {
                cli.out().println(HarnessClient.json().writerWithDefaultPrettyPrinter()
                        .writeValueAsString(client.runJson(runId)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            return HarnessCli.OK;
        }
        RunResponse run = client.run(runId);
        line("run", run.runId());
        line("status", run.status() == null ? null : run.status().wire());
        line("reason", run.reason());
        line("agent", run.agent());
        line("model", run.model());
        line("session", run.sessionId());
        line("created", run.createdAt() == null ? null : run.createdAt().toString());
        line("completed", run.completedAt() == null ? null : run.completedAt().toString());
        if (run.progress() != null) {
            line("progress", run.progress().turns() + " turns, " + run.progress().steps() + " steps"
                    + (run.progress().lastStep() == null ? "" : ", last " + run.progress().lastStep()));
        }
        if (run.usage() != null) {
            line("usage", run.usage().inputTokens() + " input + " + run.usage().outputTokens()
                    + " output tokens, $" + run.usage().costUsd());
        }
        line("trace", run.traceId() == null ? null : client.base() + "/runs/" + run.runId() + "/trace");
        if (run.reply() != null) {
            cli.out().println();
            cli.out().println(run.reply());
        }
        return HarnessCli.OK;
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancel a run (a finished run stays as it ended).")
    int cancel(@Parameters(paramLabel = "RUN_ID", description = "The run's id.") String runId)
            throws HarnessApiException, HarnessUnreachableException {
        RunResponse run = client().cancel(runId);
        cli.out().println("run " + run.runId() + ": " + (run.status() == null ? "?" : run.status().wire())
                + (run.reason() == null ? "" : " (" + run.reason() + ")"));
        return HarnessCli.OK;
    }

    @Command(name = "events", mixinStandardHelpOptions = true,
            description = {"Print a run's events (its journal steps): one line each, 'SEQ KIND DATA'.",
                    "Without -f: the steps recorded when the command starts, then exit.",
                    "With -f: follow the run live (server-sent events) until it ends."})
    int events(@Parameters(paramLabel = "RUN_ID", description = "The run's id.") String runId,
               @Option(names = {"-f", "--follow"}, description = "Follow until the run ends.") boolean follow)
            throws HarnessApiException, HarnessUnreachableException {
        HarnessClient client = client();
        // The stream itself never stops while the run goes on (it sends keep-alives), so without -f the run's
        // recorded step count (progress.steps = the last step's number) says where "what is recorded" ends.
        RunResponse run = client.run(runId);
        boolean finished = run.status() != null && run.status().terminal();
        int recorded = run.progress() == null ? 0 : run.progress().steps();
        if (!follow && !finished && recorded == 0) {
            return HarnessCli.OK;
        }
        client.events(runId, 0, event -> {
            cli.out().println((event.id() == null ? "-" : event.id()) + " " + event.event() + " " + event.data());
            if (follow || finished) {
                return true;
            }
            return event.id() == null || Integer.parseInt(event.id()) < recorded;
        });
        return HarnessCli.OK;
    }

    private void line(String name, String value) {
        if (value != null) {
            cli.out().printf("%-10s %s%n", name + ":", value);
        }
    }

    private HarnessClient client() {
        return new HarnessClient(cli.target(target), cli.apiKey());
    }
}
