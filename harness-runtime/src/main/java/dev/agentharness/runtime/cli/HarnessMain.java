package dev.agentharness.runtime.cli;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Entry point of {@code quarkus-run.jar} (and of {@code scripts/agent-harness}). Without arguments it serves the
 * harness, as it always did. With arguments, picocli parses the whole command line here, in plain Java, BEFORE
 * Quarkus boots ({@link HarnessCli}): {@code serve} and {@code eval run --in-process} boot Quarkus, every other
 * command does not. The client commands ({@code eval run --target}, {@code eval promote}, {@code runs …}) only
 * talk HTTP to a harness and {@code migrate} only opens one connection — booting the application for them would
 * start the embedded PostgreSQL (or connect to the real database) and the run dispatcher, which claims queued runs:
 * a {@code runs get} on an operator's laptop must never become a worker. That is also why quarkus-picocli's command
 * mode is not used: it runs every command inside a fully booted application.
 */
@QuarkusMain
public final class HarnessMain {

    private HarnessMain() {
    }

    public static void main(String... args) {
        if (args.length == 0) {
            Quarkus.run(args);
            return;
        }
        int exitCode = HarnessCli.execute(Cli.system(), args);
        if (exitCode != HarnessCli.SERVED) {
            System.exit(exitCode);
        }
    }
}
