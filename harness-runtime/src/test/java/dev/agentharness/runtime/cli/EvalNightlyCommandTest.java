package dev.agentharness.runtime.cli;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code eval nightly}'s command line: help, and bad flags refused with exit 2 before anything boots (the end-to-end
 * night, in the booted job role, is {@code runs/NightlyJobTest}).
 */
class EvalNightlyCommandTest {

    private static final Map<String, String> NO_ENV = Map.of();

    @Test
    void helpNamesEveryOptionAndTheExitCodes() {
        CliRun run = CliRun.of(NO_ENV, "eval", "nightly", "--help");
        assertEquals(0, run.exitCode(), run.toString());
        for (String word : new String[] {"--window", "--sample", "--per-agent", "--seed", "--concurrency", "Exit codes",
                "HARNESS_EVAL_WEBHOOK_URL"}) {
            assertTrue(run.out().contains(word), word + " in\n" + run.out());
        }
        assertTrue(CliRun.of(NO_ENV, "eval", "--help").out().contains("nightly"));
    }

    @Test
    void badFlagsExitTwoNamingTheFlagAndBootNothing() {
        for (String[] args : new String[][] {{"--window", "forever"}, {"--window", "0h"}, {"--sample", "0"},
                {"--concurrency", "-1"}, {"--sample", "many"}}) {
            String[] full = new String[args.length + 2];
            full[0] = "eval";
            full[1] = "nightly";
            System.arraycopy(args, 0, full, 2, args.length);
            CliRun run = CliRun.of(NO_ENV, full);
            assertEquals(2, run.exitCode(), String.join(" ", args) + "\n" + run);
            assertTrue(run.err().contains(args[0]), run.toString());
            assertTrue(!run.err().contains("failed to start") && run.out().isEmpty(), "refused before booting: " + run);
        }
    }

    @Test
    void flagsBecomeConfigurationOverrides() {
        EvalNightlyCommand command = new EvalNightlyCommand(new Cli(NO_ENV, System.out, System.err,
                java.time.Clock.systemUTC()));
        command.window = "36h";
        command.sample = 1000;
        command.perAgent = true;
        command.seed = 7L;
        command.concurrency = 16;
        assertEquals(Map.of("harness.evals.nightly.window", "36h", "harness.evals.nightly.sample", "1000",
                "harness.evals.nightly.per-agent", "true", "harness.evals.nightly.seed", "7",
                "harness.evals.nightly.concurrency", "16"), command.overrides());
    }
}
