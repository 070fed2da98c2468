package dev.agentharness.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.HarnessProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, finding 3: workspace snapshots must not take a replica down by memory. The packaged
 * harness runs with a 96 MiB heap and the local provider; four runs each write a workspace
 * larger than that heap (one of 250 MB beyond the per-run cap, then three of 150 MB at once). The process
 * survives, {@code /health} answers, every run ends with a reason the model was told, and no
 * snapshot file outlives its run.
 */
class SnapshotMemoryIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MB = 1_000_000;
    private static final long PER_RUN_CAP = 200 * MB;
    private static final long TOTAL_CAP = 350 * MB;

    private FakeModelServer model;
    private ConversationRouter router;
    private Path dataDir;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        Bwrap.assumeInstalled();
        model = new FakeModelServer().start(0);
        router = ConversationRouter.installOn(model);
        dataDir = Files.createTempDirectory(Path.of("/tmp"), "harness-snapshots-it-");
    }

    @AfterEach
    void stop() throws Exception {
        if (model != null) {
            model.close();
        }
        if (dataDir != null) {
            try (Stream<Path> paths = Files.walk(dataDir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    /** The scripted model: write {@code bytes} into the workspace, then answer with what the tool said about snapshots. */
    private void script(String token, long bytes) {
        router.route(token, request -> {
            if (request.functionCallOutputs().isEmpty()) {
                ObjectNode args = JSON.createObjectNode()
                        .put("cmd", "head -c " + bytes + " /dev/zero > big.bin && echo written")
                        .putNull("workdir").put("yield_time_ms", 120_000).putNull("max_output_tokens");
                return Reply.functionCall("exec_command", args.toString());
            }
            String output = request.functionCallOutputFor("exec_command").orElseThrow();
            int note = output.indexOf("[note: ");
            return Reply.message(note < 0 ? "snapshotted" : output.substring(note));
        });
    }

    @Test
    void concurrentRunsWithWorkspacesLargerThanTheHeapEndWithReasonsAndTheReplicaSurvives() throws Exception {
        Path log = Files.createTempFile("harness-snapshots-it", ".log");
        Map<String, String> env = Map.of(
                "HARNESS_DATA_DIR", dataDir.toString(),
                "HARNESS_AGENTS_DIR", Path.of("../examples/agents").toAbsolutePath().normalize().toString(),
                "OPENAI_API_KEY", "sk-snapshot-test",
                "OPENAI_BASE_URL", model.baseUrl(),
                "SANDBOX_PROVIDER", "local",
                "SANDBOX_SNAPSHOT_MAX_BYTES", Long.toString(PER_RUN_CAP),
                "SANDBOX_SNAPSHOT_TOTAL_MAX_BYTES", Long.toString(TOTAL_CAP));
        try (HarnessProcess harness = HarnessProcess.start(List.of("-Xmx96m"), env, log)) {
            // Alone first, so only its own cap can refuse it: 250 MB > SANDBOX_SNAPSHOT_MAX_BYTES.
            String tooLarge = ConversationRouter.token();
            script(tooLarge, 250 * MB);
            JsonNode large = awaitTerminal(harness, submit(harness, tooLarge));
            assertSurvived(harness);
            assertEquals("succeeded", large.path("status").asText(), large.toString());
            assertTrue(large.path("reply").asText().startsWith("[note: the workspace is larger than " + PER_RUN_CAP
                    + " bytes (SANDBOX_SNAPSHOT_MAX_BYTES) and can no longer be snapshotted"), large.toString());

            // Then three at once, each larger than the heap; two 150 MB snapshots fit into 350 MB together.
            List<String> runIds = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String token = ConversationRouter.token();
                script(token, 150 * MB);
                runIds.add(submit(harness, token));
            }
            for (String runId : runIds) {
                JsonNode run = awaitTerminal(harness, runId);
                assertEquals("succeeded", run.path("status").asText(), run.toString());
                String reply = run.path("reply").asText();
                // Whichever run snapshots while two others hold theirs is told why its snapshot was skipped.
                assertTrue(reply.equals("snapshotted") || reply.startsWith("[note: the harness's snapshot space ("
                        + TOTAL_CAP + " bytes for all runs together, SANDBOX_SNAPSHOT_TOTAL_MAX_BYTES) is full"), reply);
            }
            assertSurvived(harness);
            assertEquals(List.of(), snapshotFiles(), "every snapshot is deleted when its run ends");
            assertTrue(harness.log().contains("snapshot skipped"), "a skipped snapshot is logged with its reason");
        }
    }

    /** Alive, answering, and no thread ran out of heap on the way (the old in-memory snapshot did). */
    private static void assertSurvived(HarnessProcess harness) {
        assertTrue(harness.isAlive(), "the harness survived:\n" + tail(harness.log()));
        assertEquals(200, harness.get("/health").statusCode());
        assertFalse(harness.log().contains("OutOfMemoryError"), tail(harness.log()));
    }

    private String submit(HarnessProcess harness, String token) throws Exception {
        String body = JSON.createObjectNode().put("agent", "analyst").put("message", "Write the big file (" + token + ")")
                .set("manifest", JSON.readTree("{\"entries\":{\"outputs\":{\"type\":\"dir\"}}}")).toString();
        HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create(harness.baseUrl() + "/runs"))
                .header("Content-Type", "application/json")
                .header("Prefer", "respond-async")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, accepted.statusCode(), accepted.body());
        return JSON.readTree(accepted.body()).path("run_id").asText();
    }

    private JsonNode awaitTerminal(HarnessProcess harness, String runId) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
        while (Instant.now().isBefore(deadline)) {
            assertTrue(harness.isAlive(), "the harness died:\n" + tail(harness.log()));
            HttpResponse<String> response = harness.get("/runs/" + runId);
            assertEquals(200, response.statusCode(), response.body());
            JsonNode run = JSON.readTree(response.body());
            String status = run.path("status").asText();
            if (!status.equals("queued") && !status.equals("running")) {
                return run;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("run " + runId + " did not end within 5 minutes:\n" + tail(harness.log()));
    }

    private List<Path> snapshotFiles() throws Exception {
        Path snapshots = dataDir.resolve("snapshots");
        try (Stream<Path> paths = Files.walk(snapshots)) {
            return paths.filter(Files::isRegularFile).toList();
        }
    }

    private static String tail(String log) {
        return log.length() > 6000 ? log.substring(log.length() - 6000) : log;
    }
}
