package dev.agentharness.runtime.sandbox;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.e2b.FakeE2bServer;
import dev.agentharness.fakes.e2b.RecordedE2bRequest;
import dev.agentharness.fakes.model.RecordedRequest;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeE2bResource;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WithE2bSandbox;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The same runs as {@link SandboxRunsTest}, with SANDBOX_PROVIDER=e2b: HTTP → durable run → analyst
 * agent → FAKE model calling the sandbox tools → the E2B provider → the FAKE E2B (every control-plane
 * body checked against openapi.yml, envd's framing byte for byte, commands run for real).
 */
@QuarkusTest
@TestProfile(WithE2bSandbox.class)
class E2bSandboxRunsTest {

    FakeModelServer model;
    FakeE2bServer e2b;
    ConversationRouter router;

    @BeforeAll
    static void needsBubblewrap() {
        Bwrap.assumeInstalled();
    }

    @BeforeEach
    void routeConversations() {
        model = FakeModelResource.server();
        e2b = FakeE2bResource.server();
        router = ConversationRouter.installOn(model);
    }

    /** After every run: the contract held, and nothing secret ever went to E2B. */
    @AfterEach
    void noViolationNoSecret() throws Exception {
        assertEquals(List.of(), e2b.violations());
        String planted = System.getenv("HARNESS_TEST_PLANTED_SECRET");
        for (RecordedE2bRequest request : e2b.requests()) {
            String everything = request.everything();
            assertFalse(everything.contains(planted), "the harness environment reached E2B: " + request.path());
            assertFalse(everything.contains(FakeModelResource.TEST_MODEL_KEY), "the model key reached E2B: " + request.path());
            assertFalse(everything.contains(e2b.apiKey()), "the E2B key appears outside X-API-Key: " + request.path());
        }
        e2b.sandboxes().forEach(sandbox -> assertTrue(sandbox.envVars().isEmpty(), sandbox.envVars().toString()));
        String log = Files.readString(Path.of(WithE2bSandbox.LOG_FILE));
        assertTrue(log.contains("Sandbox provider: e2b"), "the log file is the harness's");
        assertFalse(log.contains(e2b.apiKey()), "the E2B key leaked into the log");
    }

    List<FakeE2bServer.SandboxView> sandboxesOf(String runId) {
        return e2b.sandboxes().stream().filter(s -> runId.equals(s.metadata().get("run_id"))).toList();
    }

    long createdFor(String runId) {
        return e2b.requests().stream()
                .filter(r -> r.method().equals("POST") && r.path().equals("/sandboxes"))
                .filter(r -> runId.equals(r.json().path("metadata").path("run_id").asText()))
                .count();
    }

    @Test
    void theAnalystCountsWordsWithAScriptInAnE2bSandboxAndSavesTheResult() throws Exception {
        String token = ConversationRouter.token();
        router.route(token, SandboxRunsTest.wordCounter(request -> { }));

        String runId = given().contentType("application/json")
                .body(SandboxRunsTest.runBody("How many words are in inputs/notes.txt? (" + token + ")", SandboxRunsTest.manifest()))
                .post("/runs")
                .then().statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("used_sandbox", equalTo(true))
                .body("reply", equalTo("inputs/notes.txt has " + SandboxRunsTest.NOTES_WORDS
                        + " words; the count is saved in outputs/word_count.txt."))
                .extract().path("run_id");

        RecordedRequest last = ConversationRouter.conversation(model, token).getLast();
        String exec = last.functionCallOutputFor("exec_command").orElseThrow();
        assertTrue(exec.matches("(?s)Chunk ID: [0-9a-f]{6}\nWall time: \\d+\\.\\d{4} seconds\nProcess exited with code 0\nOutput:\n"
                + SandboxRunsTest.NOTES_WORDS + "\n"), exec);
        assertEquals(SandboxRunsTest.NOTES_WORDS + "\n", last.functionCallOutputFor("read_file").orElseThrow());
        assertEquals(1, createdFor(runId));
        assertEquals(List.of(), sandboxesOf(runId), "the run's sandbox is killed when the run ends");
        assertTrue(e2b.requests().stream().anyMatch(r -> r.method().equals("DELETE")));
    }

    @Test
    void aSandboxKilledBetweenToolCallsIsReplacedFromTheLastSnapshotAndTheRunSucceeds() throws Exception {
        String token = ConversationRouter.token();
        List<String> killed = new CopyOnWriteArrayList<>();
        router.route(token, SandboxRunsTest.wordCounter(request -> e2b.sandboxes().forEach(sandbox -> {
            e2b.kill(sandbox.sandboxId());
            killed.add(sandbox.sandboxId());
        })));

        String runId = given().contentType("application/json")
                .body(SandboxRunsTest.runBody("Count the words (" + token + ")", SandboxRunsTest.manifest()))
                .post("/runs")
                .then().statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("reply", containsString(" " + SandboxRunsTest.NOTES_WORDS + " words"))
                .extract().path("run_id");

        assertEquals(1, killed.size(), "the sandbox was killed after write_file");
        assertEquals(2, createdFor(runId), "a replacement was created");
        // The script written before the kill ran in the replacement: only the snapshot can have brought it back.
        String exec = ConversationRouter.conversation(model, token).getLast().functionCallOutputFor("exec_command").orElseThrow();
        assertTrue(exec.contains("Process exited with code 0\nOutput:\n" + SandboxRunsTest.NOTES_WORDS + "\n"), exec);
        assertTrue(e2b.requests().stream().anyMatch(r -> r.plane().equals("envd") && r.method().equals("POST")
                && r.path().equals("/files") && r.query().contains("harness-restore-")), "the snapshot was uploaded");
        assertEquals(List.of(), sandboxesOf(runId));
    }

    @Test
    void aSandboxPausedBetweenToolCallsIsResumedInPlaceAndTheRunSucceeds() throws Exception {
        String token = ConversationRouter.token();
        router.route(token, SandboxRunsTest.wordCounter(request -> e2b.sandboxes().forEach(sandbox -> e2b.pause(sandbox.sandboxId()))));

        String runId = given().contentType("application/json")
                .body(SandboxRunsTest.runBody("Count the words (" + token + ")", SandboxRunsTest.manifest()))
                .post("/runs")
                .then().statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("reply", containsString(" " + SandboxRunsTest.NOTES_WORDS + " words"))
                .extract().path("run_id");

        assertEquals(1, createdFor(runId), "resumed, not replaced");
        assertTrue(e2b.requests().stream().anyMatch(r -> r.path().endsWith("/connect")));
    }

    @Test
    void healthReportsTheSandboxWhenE2bAnswers() {
        given().get("/health").then().statusCode(200).body("backends.sandbox", equalTo(true));
    }
}
