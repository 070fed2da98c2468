package dev.agentharness.runtime.sandbox;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.cloudflare.FakeCloudflareWorker;
import dev.agentharness.fakes.cloudflare.WorkerRequest;
import dev.agentharness.fakes.model.RecordedRequest;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeCloudflareResource;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WithCloudflareSandbox;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The analyst word count of {@link SandboxRunsTest}, end to end on the Cloudflare provider: HTTP →
 * durable run → FAKE model calling the sandbox tools → the harness's Worker client → FAKE bridge
 * Worker running the commands in bubblewrap → PostgreSQL.
 */
@QuarkusTest
@TestProfile(WithCloudflareSandbox.class)
class CloudflareSandboxRunsTest {

    @Inject
    SandboxPlane plane;

    FakeModelServer model;
    FakeCloudflareWorker worker;
    ConversationRouter router;

    @BeforeAll
    static void needsBubblewrap() {
        Bwrap.assumeInstalled();
    }

    @BeforeEach
    void routeConversations() {
        model = FakeModelResource.server();
        worker = FakeCloudflareResource.worker();
        router = ConversationRouter.installOn(model);
    }

    @Test
    void theAnalystCountsWordsWithAScriptInACloudflareSandbox() throws Exception {
        String token = ConversationRouter.token();
        router.route(token, SandboxRunsTest.wordCounter(request -> { }));

        given().contentType("application/json")
                .body(SandboxRunsTest.runBody("How many words are in inputs/notes.txt? (" + token + ")", SandboxRunsTest.manifest()))
                .post("/runs")
                .then().statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("used_sandbox", equalTo(true))
                .body("reply", equalTo("inputs/notes.txt has " + SandboxRunsTest.NOTES_WORDS
                        + " words; the count is saved in outputs/word_count.txt."));
        RecordedRequest last = ConversationRouter.conversation(model, token).getLast();
        String exec = last.functionCallOutputFor("exec_command").orElseThrow();
        assertTrue(exec.contains("Process exited with code 0\nOutput:\n" + SandboxRunsTest.NOTES_WORDS + "\n"), exec);
        assertEquals(SandboxRunsTest.NOTES_WORDS + "\n", last.functionCallOutputFor("read_file").orElseThrow());
        assertEquals(List.of(), plane.provider().orElseThrow().owned(), "the run's sandbox is destroyed when it ends");
        assertEquals(Set.of(), worker.sandboxes());
    }

    @Test
    void aSandboxKilledBetweenToolCallsIsReplacedFromTheLastSnapshotAndTheRunSucceeds() throws Exception {
        String token = ConversationRouter.token();
        List<String> killed = new CopyOnWriteArrayList<>();
        router.route(token, SandboxRunsTest.wordCounter(request -> worker.sandboxes().forEach(id -> {
            worker.kill(id);
            killed.add(id);
        })));

        given().contentType("application/json")
                .body(SandboxRunsTest.runBody("Count the words (" + token + ")", SandboxRunsTest.manifest()))
                .post("/runs")
                .then().statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("reply", containsString(" " + SandboxRunsTest.NOTES_WORDS + " words"));
        assertEquals(1, killed.size(), "the Worker's sandbox was killed after write_file");
        String exec = ConversationRouter.conversation(model, token).getLast().functionCallOutputFor("exec_command").orElseThrow();
        assertTrue(exec.contains("Process exited with code 0\nOutput:\n" + SandboxRunsTest.NOTES_WORDS + "\n"), exec);
        assertTrue(worker.requests().stream().anyMatch(r -> r.rawPath().endsWith("/hydrate")),
                "the replacement was hydrated from the snapshot");
        assertEquals(Set.of(), worker.sandboxes());
    }

    @Test
    void noHarnessSecretEverReachesTheWorkerOrTheSandbox() throws Exception {
        String token = ConversationRouter.token();
        router.route(token, request -> {
            try {
                return request.functionCallOutputs().isEmpty()
                        ? dev.agentharness.fakes.model.Reply.functionCall("exec_command", SandboxRunsTest.args("cmd",
                                "env; cat /proc/*/environ | tr '\\0' '\\n'", "workdir", null, "yield_time_ms", null,
                                "max_output_tokens", null))
                        : dev.agentharness.fakes.model.Reply.message("done");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        given().contentType("application/json")
                .body(SandboxRunsTest.runBody("Show the environment (" + token + ")", SandboxRunsTest.manifest()))
                .post("/runs").then().statusCode(200).body("status", equalTo("succeeded"));
        String exec = ConversationRouter.conversation(model, token).getLast().functionCallOutputFor("exec_command").orElseThrow();
        String planted = System.getenv("HARNESS_TEST_PLANTED_SECRET");
        assertFalse(exec.contains(planted) || exec.contains(FakeModelResource.TEST_MODEL_KEY)
                || exec.contains(FakeCloudflareResource.TEST_WORKER_KEY), exec);
        List<WorkerRequest> requests = worker.requests();
        assertFalse(requests.isEmpty());
        for (WorkerRequest request : requests) {
            assertFalse(request.asText().contains(planted), "planted secret sent to the Worker: " + request.asText());
            assertFalse(request.asText().contains(FakeModelResource.TEST_MODEL_KEY), "model key sent: " + request.asText());
            assertFalse(request.asTextWithoutAuthorization().contains(FakeCloudflareResource.TEST_WORKER_KEY),
                    "the Worker key outside its header: " + request.asText());
        }
    }

    @Test
    void healthReportsTheSandboxWhenTheWorkerAnswers() {
        given().get("/health").then().statusCode(200).body("backends.sandbox", equalTo(true));
    }

    @Test
    void aManifestWithAnotherRootIsRefusedBeforeAnythingIsWritten() throws Exception {
        given().contentType("application/json")
                .body(SandboxRunsTest.runBody("x", "{\"root\":\"/data\"}"))
                .post("/runs")
                .then().statusCode(422)
                .body("detail", containsString("root: the cloudflare provider only supports root /workspace"));
    }
}
