package dev.agentharness.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.runtime.testing.HarnessCommand;
import dev.agentharness.runtime.testing.HarnessCommand.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar's command line as a user runs it: a client command does not boot the harness, and
 * {@code eval run --in-process} boots one in the same process (embedded PostgreSQL in a temporary directory, FAKE
 * model from the environment), runs the golden cases against it and exits with the runner's code.
 */
class EvalCommandsIT {

    private static FakeModelServer model;

    @BeforeAll
    static void startModel() {
        model = new FakeModelServer().start(0).responder(FakeModelServer.mayaDemo());
    }

    @AfterAll
    static void stopModel() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void aClientCommandDoesNotBootTheHarness() {
        Result result = HarnessCommand.run(Map.of("HARNESS_URL", "http://127.0.0.1:9"), "runs", "get", "r1");

        assertEquals(3, result.exitCode(), result.output());
        assertTrue(result.output().startsWith("error: harness at http://127.0.0.1:9 unreachable"), result.output());
        assertFalse(result.output().contains("Quarkus"), "no Quarkus boot banner or log line:\n" + result.output());
        assertFalse(result.output().toLowerCase().contains("postgres"), result.output());

        Result version = HarnessCommand.run(Map.of(), "--version");
        assertEquals(0, version.exitCode(), version.output());
        assertTrue(version.output().matches("agent-harness \\d+\\.\\d+\\.\\d+\\S* \\(Java .*\\)\\s*"),
                "the packaged jar's version from its manifest: " + version.output());
    }

    @Test
    void evalRunInProcessBootsAHarnessOnEmbeddedDefaultsAndGradesTheCases(@TempDir Path dir) throws Exception {
        Path dataset = dir.resolve("maya.jsonl");
        Files.writeString(dataset, """
                {"id": "looks-up", "input": "ACME-1002: invoices stopped arriving", "expect": {"status": "succeeded", "tools_called": [{"name": "lookup_account", "arguments": {"account_id": "ACME-1002"}}]}}
                {"id": "drafts", "history": ["ACME-1003: hello"], "input": "ACME-1003: cannot log in", "expect": {"tools_called": ["draft_reply"], "handoff": "none"}}
                """);
        Path reports = dir.resolve("reports");

        Result result = HarnessCommand.run(Map.of("OPENAI_API_KEY", "fake-key", "OPENAI_BASE_URL", model.baseUrl()),
                "eval", "run", "--in-process", "--dataset", dataset.toString(), "--report-dir", reports.toString());

        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("2 cases: 2 passed, 0 failed, 0 errors"), result.output());
        assertFalse(result.output().contains("fake-key"), result.output());
        JsonNode json = new ObjectMapper().readTree(reports.resolve("results.json").toFile());
        assertTrue(json.get("target").asText().startsWith("in-process (http://127.0.0.1:"), json.toString());
        assertEquals(2, json.at("/summary/passed").asInt());
    }
}
