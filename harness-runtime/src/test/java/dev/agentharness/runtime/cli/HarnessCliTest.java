package dev.agentharness.runtime.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing and refusals of the command line, in process, without a harness (nothing here boots Quarkus). */
class HarnessCliTest {

    /** Nothing listens here: a command that got as far as calling it would exit 3. */
    private static final Map<String, String> NOWHERE = Map.of("HARNESS_URL", "http://127.0.0.1:9");

    @Test
    void helpListsEveryCommandAndTheEnvironment() {
        CliRun run = CliRun.of(NOWHERE, "--help");
        assertEquals(0, run.exitCode(), run.toString());
        for (String command : new String[] {"serve", "migrate", "eval", "runs", "completion", "HARNESS_URL",
                "HARNESS_API_KEY", "Exit codes"}) {
            assertTrue(run.out().contains(command), command + " in\n" + run.out());
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (String[] args : new String[][] {{"serve", "--help"}, {"migrate", "--help"}, {"eval", "--help"},
                {"eval", "run", "--help"}, {"eval", "promote", "--help"}, {"runs", "--help"},
                {"runs", "get", "--help"}, {"runs", "events", "--help"}, {"runs", "cancel", "--help"},
                {"completion", "--help"}}) {
            CliRun run = CliRun.of(NOWHERE, args);
            assertEquals(0, run.exitCode(), String.join(" ", args) + "\n" + run);
            assertTrue(run.out().startsWith("Usage: agent-harness"), run.out());
        }
        assertTrue(CliRun.of(NOWHERE, "eval", "run", "--help").out().contains("--in-process"));
        assertTrue(CliRun.of(NOWHERE, "runs", "events", "--help").out().contains("--follow"));
    }

    @Test
    void versionNamesTheProgram() {
        CliRun run = CliRun.of(NOWHERE, "--version");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().startsWith("agent-harness "), run.out());
    }

    @Test
    void anUnknownOptionOrCommandExitsTwoWithUsage() {
        CliRun option = CliRun.of(NOWHERE, "runs", "get", "r1", "--colour");
        assertEquals(2, option.exitCode(), option.toString());
        assertTrue(option.err().contains("Unknown option: '--colour'"), option.err());
        assertTrue(option.err().contains("Usage: agent-harness runs get"), option.err());

        CliRun command = CliRun.of(NOWHERE, "frobnicate");
        assertEquals(2, command.exitCode(), command.toString());
        assertTrue(command.err().contains("error: Unmatched argument at index 0: 'frobnicate'"), command.err());
        assertTrue(command.err().contains("Usage: agent-harness"), command.err());

        CliRun missing = CliRun.of(NOWHERE, "eval");
        assertEquals(2, missing.exitCode(), missing.toString());
        assertTrue(missing.err().contains("missing command"), missing.err());

        CliRun required = CliRun.of(NOWHERE, "eval", "run");
        assertEquals(2, required.exitCode(), required.toString());
        assertTrue(required.err().contains("Missing required option: '--dataset=FILE'"), required.err());
    }

    @Test
    void aDatasetErrorExitsTwoNamingFileLineAndFieldBeforeAnyRun(@TempDir Path dir) throws Exception {
        Path dataset = dir.resolve("maya.jsonl");
        Files.writeString(dataset, """
                # a comment
                {"id": "ok", "input": "hello", "expect": {"status": "succeeded"}}
                {"id": "bad", "input": "hello", "expect": {"colour": "blue"}}
                """);

        CliRun run = CliRun.of(NOWHERE, "eval", "run", "--dataset", dataset.toString(), "--report-dir",
                dir.resolve("reports").toString());

        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains(dataset + ":3"), run.err());
        assertTrue(run.err().contains("expect.colour"), run.err());
        assertFalse(Files.exists(dir.resolve("reports")), "nothing ran, nothing was reported");
    }

    @Test
    void aBaselineNamingAnUnknownCaseExitsTwoNamingTheEntry(@TempDir Path dir) throws Exception {
        Path dataset = dir.resolve("maya.jsonl");
        Files.writeString(dataset, "{\"id\": \"ok\", \"input\": \"hello\", \"expect\": {\"status\": \"succeeded\"}}\n");
        Path baseline = dir.resolve("maya.baseline.json");
        Files.writeString(baseline, "{\"dataset\": \"maya.jsonl\", \"passing\": [\"ok\", \"gone\"]}");

        CliRun run = CliRun.of(NOWHERE, "eval", "run", "--dataset", dataset.toString(), "--baseline",
                baseline.toString());

        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains(baseline + ": passing[1]: unknown case 'gone'"), run.err());
    }

    @Test
    void anUnreachableTargetExitsThree(@TempDir Path dir) throws Exception {
        Path dataset = dir.resolve("maya.jsonl");
        Files.writeString(dataset, "{\"id\": \"ok\", \"input\": \"hello\", \"expect\": {\"status\": \"succeeded\"}}\n");

        CliRun eval = CliRun.of(NOWHERE, "eval", "run", "--dataset", dataset.toString());
        assertEquals(3, eval.exitCode(), eval.toString());
        assertTrue(eval.err().startsWith("error: harness at http://127.0.0.1:9 unreachable"), eval.err());

        CliRun get = CliRun.of(Map.of(), "runs", "get", "r1", "--target", "http://127.0.0.1:9");
        assertEquals(3, get.exitCode(), get.toString());
    }

    @Test
    void aMalformedAgentVersionExitsTwoBeforeAnyRun(@TempDir Path dir) throws Exception {
        Path dataset = dir.resolve("maya.jsonl");
        Files.writeString(dataset, "{\"id\": \"ok\", \"input\": \"hello\", \"expect\": {\"status\": \"succeeded\"}}\n");

        CliRun eval = CliRun.of(NOWHERE, "eval", "run", "--dataset", dataset.toString(), "--agent-version", "v2");

        assertEquals(2, eval.exitCode(), eval.toString());
        assertTrue(eval.err().contains("--agent-version must look like sha256:"), eval.err());
    }

    @Test
    void aTargetWithCredentialsIsRefusedTheKeyComesFromTheEnvironment() {
        CliRun run = CliRun.of(NOWHERE, "runs", "get", "r1", "--target", "http://me:secret@127.0.0.1:9");
        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains("HARNESS_API_KEY"), run.err());
        assertFalse(run.err().contains("secret"), run.err());
    }

    @Test
    void inProcessWithoutAModelStopsBeforeBootingNamingTheVariable(@TempDir Path dir) throws Exception {
        Path dataset = dir.resolve("maya.jsonl");
        Files.writeString(dataset, "{\"id\": \"ok\", \"input\": \"hello\", \"expect\": {\"status\": \"succeeded\"}}\n");

        CliRun run = CliRun.of(Map.of(), "eval", "run", "--in-process", "--dataset", dataset.toString());

        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains("--in-process needs a model: set OPENAI_API_KEY"), run.err());
    }

    @Test
    void judgeCasesWithoutAJudgeModelExitTwoNamingTheVariableBeforeAnyRun(@TempDir Path dir) throws Exception {
        Path dataset = dir.resolve("maya.jsonl");
        Files.writeString(dataset, "{\"id\": \"polite\", \"input\": \"hello\", "
                + "\"expect\": {\"judge\": {\"rubric\": \"says \\\"hello\\\"\"}}}\n");

        CliRun run = CliRun.of(NOWHERE, "eval", "run", "--dataset", dataset.toString());

        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains("no judge model is configured: set OPENAI_API_KEY"), run.err());
    }

    @Test
    void completionPrintsABashScript() {
        CliRun run = CliRun.of(NOWHERE, "completion");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("complete -F"), run.out().substring(0, Math.min(500, run.out().length())));
        assertTrue(run.out().contains("agent-harness"));
    }
}
