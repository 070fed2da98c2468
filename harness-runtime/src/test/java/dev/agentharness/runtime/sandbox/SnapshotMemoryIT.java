package dev.agentharness.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, finding 3: workspace snapshots must not take a replica down by memory. The packaged
 * harness runs with a 96 MiB heap and the local provider; four runs at once each write a workspace
 * larger than that heap (three of 150 MB, one of 250 MB beyond the per-run cap). The process
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
                "OPENAI_API_KEY", "sk-snapshot-test",
                "OPENAI_BASE_URL", model.baseUrl(),
                "SANDBOX_PROVIDER", "local",
                "SANDBOX_SNAPSHOT_MAX_BYTES", Long.toString(PER_RUN_CAP),
                "SANDBOX_SNAPSHOT_TOTAL_MAX_BYTES", Long.toString(TOTAL_CAP));
        try (HarnessProcess harness = HarnessProcess.start(List.of("-Xmx96m"), env, log)) {
            Map<String, Long> sizes = new LinkedHashMap<>();
            for (int i = 0; i < 3; i++) {
                sizes.put(ConversationRouter.token(), 150 * MB);
            }
            String tooLarge = ConversationRouter.token();
            sizes.put(tooLarge, 250 * MB);

            List<String> runIds = new ArrayList<>();
            for (Map.Entry<String, Long> run : sizes.entrySet()) {
                script(run.getKey(), run.getValue());
                runIds.add(submit(harness, run.getKey()));
            }

            List<JsonNode> finished = new ArrayList<>();
            for (String runId : runIds) {
                finished.add(awaitTerminal(harness, runId));
            }
            assertTrue(harness.isAlive(), "the harness survived:\n" + tail(harness.log()));
            assertEquals(200, harness.get("/health").statusCode());

            for (int i = 0; i < runIds.size(); i++) {
                JsonNode run = finished.get(i);
                assertEquals("succeeded", run.path("status").asText(), run.toString());
                String reply = run.path("reply").asText();
                if (i == runIds.size() - 1) {
                    assertTrue(reply.startsWith("[note: the workspace is larger than " + PER_RUN_CAP
                            + " bytes (SANDBOX_SNAPSHOT_MAX_BYTES) and can no longer be snapshotted"), reply);
                } else {
                    // Two 150 MB snapshots fit into 350 MB; whichever run comes third while they exist is told why not.
                    assertTrue(reply.equals("snapshotted") || reply.contains("SANDBOX_SNAPSHOT_TOTAL_MAX_BYTES"), reply);
                }
            }
            assertEquals(List.of(), snapshotFiles(), "every snapshot is deleted when its run ends");
            assertTrue(harness.log().contains("snapshot skipped"), "a skipped snapshot is logged with its reason");
            assertTrue(!harness.log().contains("OutOfMemoryError"), tail(harness.log()));
        }
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
