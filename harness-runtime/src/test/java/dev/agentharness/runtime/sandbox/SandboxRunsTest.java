package dev.agentharness.runtime.sandbox;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestEntry;
import dev.agentharness.api.sandbox.Network;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.RecordedRequest;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.fakes.model.Responder;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WithLocalSandbox;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs with a sandbox, end to end on the local provider: HTTP → durable run → analyst agent →
 * FAKE model calling the sandbox tools → real commands in bubblewrap → PostgreSQL.
 */
@QuarkusTest
@TestProfile(WithLocalSandbox.class)
class SandboxRunsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String NOTES = "The quick brown fox jumps over the lazy dog\nand then it rests.\n";
    static final int NOTES_WORDS = 13;
    static final String SCRIPT = "#!/bin/sh\nmkdir -p outputs\nwc -w < inputs/notes.txt | tr -d ' ' > outputs/word_count.txt\n"
            + "cat outputs/word_count.txt\n";

    @Inject
    SandboxPlane plane;
    @Inject
    SandboxReaper reaper;

    FakeModelServer model;
    ConversationRouter router;

    @BeforeAll
    static void needsBubblewrap() {
        Bwrap.assumeInstalled();
    }

    @BeforeEach
    void routeConversations() {
        model = FakeModelResource.server();
        router = ConversationRouter.installOn(model);
    }

    static String manifest() throws Exception {
        return JSON.writeValueAsString(Map.of("entries", Map.of(
                "inputs/notes.txt", Map.of("type", "file", "content", NOTES),
                "outputs", Map.of("type", "dir"))));
    }

    static String runBody(String message, String manifestJson) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("agent", "analyst").put("message", message);
        if (manifestJson != null) {
            body.set("manifest", JSON.readTree(manifestJson));
        }
        return body.toString();
    }

    static String args(Object... keyValues) throws Exception {
        ObjectNode args = JSON.createObjectNode();
        for (int i = 0; i < keyValues.length; i += 2) {
            args.putPOJO((String) keyValues[i], keyValues[i + 1]);
        }
        return JSON.writeValueAsString(args);
    }

    /**
     * The scripted analyst: write the counting script, run it, read the saved result, answer with
     * what the read returned. {@code beforeExec} runs when the model "decides" to exec — between two
     * tool calls of the run.
     */
    static Responder wordCounter(Consumer<RecordedRequest> beforeExec) {
        return request -> {
            try {
                int done = request.functionCallOutputs().size();
                return switch (done) {
                    case 0 -> Reply.functionCall("write_file", args("path", "count_words.sh", "content", SCRIPT));
                    case 1 -> {
                        beforeExec.accept(request);
                        yield Reply.functionCall("exec_command",
                                args("cmd", "sh count_words.sh", "workdir", null, "yield_time_ms", 20000, "max_output_tokens", null));
                    }
                    case 2 -> Reply.functionCall("read_file", args("path", "outputs/word_count.txt"));
                    default -> Reply.message("inputs/notes.txt has " + request.functionCallOutputFor("read_file").orElseThrow().strip()
                            + " words; the count is saved in outputs/word_count.txt.");
                };
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @Test
    void theAnalystCountsWordsWithAScriptInTheSandboxAndSavesTheResult() throws Exception {
        String token = ConversationRouter.token();
        router.route(token, wordCounter(request -> { }));

        Response response = given().contentType("application/json")
                .body(runBody("How many words are in inputs/notes.txt? (" + token + ")", manifest()))
                .post("/runs");

        response.then().statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("used_sandbox", equalTo(true))
                .body("reply", equalTo("inputs/notes.txt has " + NOTES_WORDS + " words; the count is saved in outputs/word_count.txt."));
        List<RecordedRequest> conversation = ConversationRouter.conversation(model, token);
        assertEquals(4, conversation.size());
        assertTrue(conversation.getFirst().toolNames().containsAll(List.of("exec_command", "read_file", "write_file", "list_files")),
                conversation.getFirst().toolNames().toString());
        RecordedRequest last = conversation.getLast();
        assertEquals("Wrote " + SCRIPT.length() + " bytes to count_words.sh", last.functionCallOutputFor("write_file").orElseThrow());
        String exec = last.functionCallOutputFor("exec_command").orElseThrow();
        assertTrue(exec.matches("(?s)Chunk ID: [0-9a-f]{6}\nWall time: \\d+\\.\\d{4} seconds\nProcess exited with code 0\nOutput:\n"
                + NOTES_WORDS + "\n"), exec);
        assertEquals(NOTES_WORDS + "\n", last.functionCallOutputFor("read_file").orElseThrow());
        assertEquals(List.of(), plane.provider().orElseThrow().owned(), "the run's sandbox is destroyed when it ends");
    }

    @Test
    void aSandboxKilledBetweenToolCallsIsReplacedFromTheLastSnapshotAndTheRunSucceeds() throws Exception {
        String token = ConversationRouter.token();
        SandboxProvider provider = plane.provider().orElseThrow();
        List<String> killed = new java.util.concurrent.CopyOnWriteArrayList<>();
        router.route(token, wordCounter(request -> provider.owned().forEach(sandbox -> {
            provider.destroy(sandbox.sandboxId());
            killed.add(sandbox.sandboxId());
        })));

        given().contentType("application/json")
                .body(runBody("Count the words (" + token + ")", manifest()))
                .post("/runs")
                .then().statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("used_sandbox", equalTo(true))
                .body("reply", containsString(" " + NOTES_WORDS + " words"));
        assertEquals(1, killed.size(), "the sandbox was killed after write_file");
        // The script written before the kill ran in the replacement: only the snapshot can have brought it back.
        String exec = ConversationRouter.conversation(model, token).getLast().functionCallOutputFor("exec_command").orElseThrow();
        assertTrue(exec.contains("Process exited with code 0\nOutput:\n" + NOTES_WORDS + "\n"), exec);
        assertEquals(List.of(), provider.owned());
    }

    @Test
    void noHarnessSecretReachesTheSandbox() throws Exception {
        String token = ConversationRouter.token();
        router.route(token, request -> {
            try {
                return request.functionCallOutputs().isEmpty()
                        ? Reply.functionCall("exec_command", args("cmd", "env; cat /proc/*/environ | tr '\\0' '\\n'; ls / ~",
                                "workdir", null, "yield_time_ms", null, "max_output_tokens", null))
                        : Reply.message("done");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        given().contentType("application/json").body(runBody("Show the environment (" + token + ")", manifest()))
                .post("/runs").then().statusCode(200).body("status", equalTo("succeeded"));
        String exec = ConversationRouter.conversation(model, token).getLast().functionCallOutputFor("exec_command").orElseThrow();
        assertTrue(exec.contains("PATH=/usr/local/bin:/usr/bin:/bin"), exec);
        assertFalse(exec.contains(FakeModelResource.TEST_MODEL_KEY), "the model key leaked: " + exec);
        assertFalse(exec.contains(System.getenv("HARNESS_TEST_PLANTED_SECRET")), "the harness environment leaked: " + exec);
    }

    @Test
    void withoutAManifestTheSandboxToolsSaySoAndNoSandboxIsUsed() throws Exception {
        String token = ConversationRouter.token();
        router.route(token, wordCounter(request -> { }));
        given().contentType("application/json").body(runBody("Count (" + token + ")", null)).post("/runs")
                .then().statusCode(200).body("used_sandbox", equalTo(false));
        String write = ConversationRouter.conversation(model, token).get(1).functionCallOutputFor("write_file").orElseThrow();
        assertTrue(write.contains("this run has no sandbox: submit the run with a 'manifest'"), write);
    }

    @Test
    void capabilitiesReplaceTheDefaultSoShellOnlyMeansNoFileTools() throws Exception {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("ok"));
        given().contentType("application/json")
                .body(runBody("Hi (" + token + ")", "{\"capabilities\":[\"shell\"]}"))
                .post("/runs").then().statusCode(200).body("used_sandbox", equalTo(true));
        List<String> tools = ConversationRouter.conversation(model, token).getFirst().toolNames();
        assertTrue(tools.contains("exec_command"), tools.toString());
        assertFalse(tools.contains("read_file") || tools.contains("write_file") || tools.contains("list_files"), tools.toString());
    }

    @Test
    void invalidManifestsAreRejectedBeforeAnythingIsWritten() throws Exception {
        given().contentType("application/json")
                .body(runBody("x", "{\"entries\":{\"../etc/passwd\":{\"type\":\"file\",\"content\":\"x\"},"
                        + "\"m\":{\"type\":\"s3_mount\",\"bucket\":\"bkt\",\"secret_access_key\":\"wJalrXUtnFEMI-do-not-echo\"}}}"))
                .post("/runs")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString("field 'manifest': invalid manifest: entries['../etc/passwd']: escapes the workspace"))
                .body("detail", containsString("entries['m'].secret_access_key: credentials are not allowed"))
                .body("detail", org.hamcrest.Matchers.not(containsString("wJalrXUtnFEMI")));
        given().contentType("application/json")
                .body(runBody("x", "{\"entries\":{\"data\":{\"type\":\"r2_mount\",\"bucket\":\"inputs\",\"prefix\":\"{session_id}/\"}}}"))
                .post("/runs")
                .then().statusCode(422)
                .body("detail", containsString("the local sandbox provider cannot provision it: entries['data'].prefix: "
                        + "a run may mount its session's inputs ('inputs/{session_id}/…'), its own outputs"));
        StringBuilder tooMany = new StringBuilder("{\"entries\":{");
        for (int i = 0; i <= dev.agentharness.api.sandbox.ManifestValidator.MAX_ENTRIES; i++) {
            tooMany.append(i == 0 ? "" : ",").append("\"d").append(i).append("\":{\"type\":\"dir\"}");
        }
        given().contentType("application/json")
                .body(runBody("x", tooMany.append("}}").toString()))
                .post("/runs")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString("field 'manifest': invalid manifest: entries: lists 1001 entries; at most 1000"));
        given().contentType("application/json")
                .body(runBody("x", "{\"root\":\"/usr/work\"}"))
                .post("/runs")
                .then().statusCode(422)
                .body("detail", containsString("root: the local provider cannot place the workspace under /usr"));
        given().contentType("application/json")
                .body(runBody("x", "{\"network\":{\"egress\":[\"pypi.org\"]}}"))
                .post("/runs")
                .then().statusCode(422)
                .contentType("application/problem+json")
                .body("detail", containsString("network.egress: the local provider gives sandboxes no network"));
    }

    /** This harness's own HTTP port and data directory (the embedded PostgreSQL's home) are out of a sandbox's reach. */
    @Test
    void aSandboxReachesNeitherTheHarnessPortNorItsDataDirectory() throws Exception {
        String dataDir = ConfigProvider.getConfig().getValue("harness.data-dir", String.class);
        Sandbox sandbox = plane.provider().orElseThrow().create(new SandboxSpec("run_probe", "ses_probe",
                new Manifest(null, Map.of(), null, Network.NONE), Duration.ofMinutes(5)));
        try {
            ExecResult port = sandbox.exec("timeout 10 bash -c 'echo > /dev/tcp/127.0.0.1/" + RestAssured.port
                    + "' && echo CONNECTED", null, Duration.ofSeconds(30), 4096);
            assertFalse(port.stdout().contains("CONNECTED"), port.stderr());
            ExecResult files = sandbox.exec("ls " + Path.of(dataDir).toAbsolutePath(), null,
                    Duration.ofSeconds(30), 4096);
            assertTrue(files.stderr().contains("No such file or directory"), files.stderr());
        } finally {
            sandbox.destroy();
        }
    }

    @Test
    void healthReportsTheSandboxWhenTheProviderWorks() {
        given().get("/health").then().statusCode(200).body("backends.sandbox", equalTo(true));
    }

    @Test
    void theReaperDestroysSandboxesOfFinishedOrUnknownRunsButNotActiveOnes() throws Exception {
        SandboxProvider provider = plane.provider().orElseThrow();
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("ok"));
        String finishedRun = given().contentType("application/json").body(runBody("Hi (" + token + ")", null))
                .post("/runs").then().statusCode(200).extract().path("run_id");
        Manifest empty = new Manifest(null, Map.of("a", new ManifestEntry.Dir()), null, null);
        Sandbox ofFinished = provider.create(new SandboxSpec(finishedRun, "ses", empty, Duration.ofHours(1)));
        Sandbox ofUnknown = provider.create(new SandboxSpec("run_never_submitted", "ses", empty, Duration.ofHours(1)));
        RunSandbox active = plane.open("run_in_flight_here", "ses", empty, null);
        try {
            List<String> reaped = reaper.reapOnce();
            assertEquals(java.util.Set.of(ofFinished.id(), ofUnknown.id()), java.util.Set.copyOf(reaped));
            assertFalse(ofFinished.alive());
            assertFalse(ofUnknown.alive());
            assertEquals(List.of("run_in_flight_here"), provider.owned().stream().map(OwnedSandbox::runId).toList());
        } finally {
            plane.close("run_in_flight_here", active);
        }
        assertEquals(List.of(), provider.owned());
    }
}
