package dev.agentharness.runtime.cli;

import dev.agentharness.runtime.client.HarnessApiException;
import dev.agentharness.runtime.client.HarnessUnreachableException;
import dev.agentharness.runtime.evals.DatasetException;
import io.quarkus.runtime.Quarkus;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * The {@code agent-harness} command line (picocli), parsed before anything boots. Exit codes of every command:
 * <ul>
 *   <li>0 — done (eval: no regression)</li>
 *   <li>1 — eval: a regression (with a baseline) or any failing case (without); client commands: the harness
 *       answered with an error, printed as {@code error: <title>: <detail>}; migrate: a migration failed</li>
 *   <li>2 — bad usage or bad input: an unknown option, a dataset or baseline error (naming file, line and field),
 *       a promotion refused; nothing was run</li>
 *   <li>3 — the harness (or, for migrate, the database) is unreachable</li>
 * </ul>
 */
public final class HarnessCli {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int UNREACHABLE = 3;
    /** {@code serve} handed the process to Quarkus, which exits by itself. */
    static final int SERVED = Integer.MIN_VALUE;

    private HarnessCli() {
    }

    public static int execute(Cli cli, String... args) {
        return commandLine(cli).execute(args);
    }

    public static CommandLine commandLine(Cli cli) {
        CommandLine root = new CommandLine(new Root());
        root.addSubcommand(new CommandLine(new Serve()));
        root.addSubcommand(new CommandLine(new Migrate(cli)));
        CommandLine eval = new CommandLine(new Eval());
        eval.addSubcommand(new CommandLine(new EvalRunCommand(cli)));
        eval.addSubcommand(new CommandLine(new EvalPromoteCommand(cli)));
        eval.addSubcommand(new CommandLine(new EvalNightlyCommand(cli)));
        root.addSubcommand(eval);
        root.addSubcommand(new CommandLine(new RunsCommand(cli)));
        root.addSubcommand("completion", new AutoComplete.GenerateCompletion());
        root.setOut(new PrintWriter(cli.out(), true));
        root.setErr(new PrintWriter(cli.err(), true));
        root.setExecutionExceptionHandler((exception, commandLine, parseResult) -> handle(exception, cli));
        root.setParameterExceptionHandler((exception, args) -> {
            CommandLine command = exception.getCommandLine();
            PrintWriter err = command.getErr();
            err.println("error: " + exception.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(exception, err);
            command.usage(err);
            return USAGE;
        });
        return root;
    }

    private static int handle(Exception exception, Cli cli) {
        switch (exception) {
            case HarnessApiException e -> {
                cli.err().println("error: " + e.title() + (e.detail() == null ? "" : ": " + e.detail()));
                return FAILED;
            }
            case HarnessUnreachableException e -> {
                cli.err().println("error: " + e.getMessage());
                return UNREACHABLE;
            }
            case DatasetException e -> {
                e.errors().forEach(line -> cli.err().println("error: " + line));
                return USAGE;
            }
            case UsageException e -> {
                cli.err().println("error: " + e.getMessage());
                return USAGE;
            }
            case IOException e -> {
                cli.err().println("error: " + e.getMessage());
                return FAILED;
            }
            default -> {
                cli.err().println("error: " + exception);
                return FAILED;
            }
        }
    }

    @Command(name = "agent-harness", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = "Agent Harness: serve the harness (the default), migrate its schema, run evals, "
                    + "inspect runs.",
            footerHeading = "%nEnvironment:%n",
            footer = {"  HARNESS_URL      the harness for client commands (default " + Cli.DEFAULT_URL + ")",
                    "  HARNESS_API_KEY  its API key (never a flag: it would land in shell history and ps)",
                    "", "Exit codes: 0 done, 1 failed (eval: regression; the harness answered an error), "
                    + "2 bad usage or input, 3 unreachable."})
    static final class Root implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getOut());
            return OK;
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = "Serve the harness (what the jar does without arguments). Configured by the environment: "
                    + "see docs/configuration.md.")
    static final class Serve implements Callable<Integer> {

        @Override
        public Integer call() {
            Quarkus.run();
            return SERVED;
        }
    }

    @Command(name = "migrate", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = {"Apply the schema migrations to DATABASE_DIRECT_URL (or DATABASE_URL) and exit.",
                    "Waits up to MIGRATE_WAIT_SECONDS (default 60) for the database.",
                    "Exit codes: 0 up to date, 1 a migration failed or was edited after it was applied, "
                            + "2 configuration error, 3 database unreachable."})
    static final class Migrate implements Callable<Integer> {

        private final Cli cli;

        Migrate(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            // Plain Java on purpose: no HTTP server, no run worker, nothing but the migration.
            return MigrateCommand.run(cli.env(), cli.out(), cli.err());
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = "Run a golden set against a harness, promote a run into one, or grade last night's runs "
                    + "(nightly).")
    static final class Eval implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            throw new CommandLine.ParameterException(spec.commandLine(), "missing command: eval run, eval promote or eval nightly");
        }
    }

    /**
     * The version in the packaged jar's manifest ({@code quarkus-run.jar}: {@code Implementation-Title: agent-harness},
     * {@code Implementation-Version}); "development build" when running from classes.
     */
    static final class Version implements CommandLine.IVersionProvider {

        @Override
        public String[] getVersion() {
            String version = "development build";
            try {
                var manifests = ClassLoader.getSystemClassLoader().getResources("META-INF/MANIFEST.MF");
                while (manifests.hasMoreElements()) {
                    try (InputStream in = manifests.nextElement().openStream()) {
                        java.util.jar.Attributes main = new java.util.jar.Manifest(in).getMainAttributes();
                        if ("agent-harness".equals(main.getValue("Implementation-Title"))
                                && main.getValue("Implementation-Version") != null) {
                            version = main.getValue("Implementation-Version");
                            break;
                        }
                    }
                }
            } catch (IOException e) {
                // keep the fallback
            }
            return new String[] {"agent-harness " + version + " (Java " + Runtime.version() + ")"};
        }
    }
}
