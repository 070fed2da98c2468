package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.runtime.testing.HarnessProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Durable from the first run: the packaged harness, on its embedded PostgreSQL, records a run,
 * is stopped, starts again on the same data directory and still serves the run and its trace.
 */
class RestartDurabilityIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private FakeModelServer model;
    private Path dataDir;

    @BeforeEach
    void start() throws Exception {
        model = new FakeModelServer().start(0);
        model.responder(FakeModelServer.mayaDemo());
        dataDir = Files.createTempDirectory(Path.of("/tmp"), "harness-restart-");
    }

    @AfterEach
    void stop() {
        model.close();
    }

    @Test
    void aRunItsTraceAndItsSessionSurviveARestart() throws Exception {
        Map<String, String> env = Map.of(
                "HARNESS_DATA_DIR", dataDir.toString(),
                "OPENAI_API_KEY", "sk-restart-test",
                "OPENAI_BASE_URL", model.baseUrl());
        Path log = Files.createTempFile("harness-restart", ".log");

        String runId;
        String reply;
        String sessionId;
        try (HarnessProcess first = HarnessProcess.start(env, log)) {
            HttpResponse<String> created = first.postJson("/runs",
                    "{\"message\":\"ACME-1004 here, please help with my bill\"}");
            assertEquals(200, created.statusCode(), created.body());
            JsonNode run = JSON.readTree(created.body());
            assertEquals("succeeded", run.path("status").asText());
            runId = run.path("run_id").asText();
            reply = run.path("reply").asText();
            sessionId = run.path("session_id").asText();
            assertFalse(reply.isBlank());
            first.stop();
        }
        int modelCallsBefore = model.requests().size();

        try (HarnessProcess second = HarnessProcess.start(env, log)) {
            JsonNode run = JSON.readTree(second.get("/runs/" + runId).body());
            assertEquals("succeeded", run.path("status").asText());
            assertEquals(reply, run.path("reply").asText());

            JsonNode trace = JSON.readTree(second.get("/runs/" + runId + "/trace").body());
            assertTrue(trace.path("spans").size() >= 3, trace.toString());

            JsonNode session = JSON.readTree(second.get("/sessions/" + sessionId).body());
            assertEquals(1, session.path("runs").size());
            assertEquals(runId, session.path("runs").get(0).path("run_id").asText());
        }
        assertEquals(modelCallsBefore, model.requests().size(), "a restart never re-runs a finished run");
    }
}
