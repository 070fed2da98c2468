package dev.agentharness.runtime.api;

import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WithApiKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.agentharness.runtime.testing.WithApiKeys.ALICE_KEY_1;
import static dev.agentharness.runtime.testing.WithApiKeys.ALICE_KEY_2;
import static dev.agentharness.runtime.testing.WithApiKeys.BOB_KEY;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** API keys, principals, and the promise that no key or token is ever echoed or logged. */
@QuarkusTest
@TestProfile(WithApiKeys.class)
class AuthAndSecretsTest {

    private final List<String> bodies = new ArrayList<>();

    @Test
    void everyResourceButHealthNeedsABearerKey() {
        record(given().get("/runs/run_x")).then().statusCode(401)
                .contentType(containsString("application/problem+json"))
                .header("WWW-Authenticate", "Bearer");
        record(given().auth().oauth2("not-a-valid-key-at-all").get("/runs/run_x")).then().statusCode(401)
                .body("detail", equalTo("the API key is not valid"));
        record(given().contentType("application/json").body("{\"message\":\"hi\"}").post("/runs"))
                .then().statusCode(401);
        given().get("/health").then().statusCode(200);
        given().get("/openapi").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/metrics").then().statusCode(200);
    }

    @Test
    void withKeysAndNoPublicUrlLocalLinksAreRelativeWhateverHostTheCallerClaims() {
        ConversationRouter router = ConversationRouter.installOn(FakeModelResource.server());
        String token = ConversationRouter.token();
        router.route(token, request -> dev.agentharness.fakes.model.Reply.message("linked " + token));

        String link = record(given().auth().oauth2(BOB_KEY).header("Host", "evil.example")
                .header("X-Forwarded-Host", "evil.example").contentType("application/json")
                .body("{\"message\":\"link " + token + "\",\"save_artifact\":true}").post("/runs"))
                .then().statusCode(200).extract().path("artifact_url");
        String runId = link.substring(link.indexOf("/outputs/") + "/outputs/".length(), link.indexOf("/reply.md"));
        String redirect = record(given().auth().oauth2(BOB_KEY).redirects().follow(false).header("Host", "evil.example")
                .get("/runs/" + runId + "/artifacts/reply.md")).then().statusCode(302).extract().header("Location");

        assertTrue(link.startsWith("/storage/outputs/" + runId + "/reply.md?"), link);
        assertTrue(redirect.startsWith("/storage/outputs/" + runId + "/reply.md?"), redirect);
        given().get(redirect).then().statusCode(200).body(equalTo("linked " + token));
    }

    @Test
    void runsAndSessionsBelongToTheirPrincipalAndRotatedKeysShareIt() throws Exception {
        FakeModelServer model = FakeModelResource.server();
        ConversationRouter router = ConversationRouter.installOn(model);
        String token = ConversationRouter.token();
        router.route(token, FakeModelServer.mayaDemo());
        String session = "alice-" + token;

        Response created = record(given().auth().oauth2(ALICE_KEY_1).contentType("application/json")
                .body("{\"message\":\"ACME-1003 " + token + " help\",\"session_id\":\"" + session + "\"}")
                .post("/runs"));
        created.then().statusCode(200).body("status", equalTo("succeeded"));
        String runId = created.jsonPath().getString("run_id");

        record(given().auth().oauth2(ALICE_KEY_2).get("/runs/" + runId)).then().statusCode(200)
                .body("run_id", equalTo(runId));
        record(given().auth().oauth2(BOB_KEY).get("/runs/" + runId)).then().statusCode(404);
        record(given().auth().oauth2(BOB_KEY).get("/runs/" + runId + "/trace")).then().statusCode(404);
        record(given().auth().oauth2(BOB_KEY).get("/sessions/" + session)).then().statusCode(404);
        record(given().auth().oauth2(BOB_KEY).post("/runs/" + runId + "/cancel")).then().statusCode(404);
        record(given().auth().oauth2(BOB_KEY).get("/runs")).then().statusCode(200)
                .body("runs.run_id", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem(runId)));
        // Bob naming the same session id gets a session of his own (SessionScopeTest); Alice's keeps its one run.
        record(given().auth().oauth2(BOB_KEY).contentType("application/json")
                .body("{\"message\":\"hi " + token + "\",\"session_id\":\"" + session + "\"}")
                .post("/runs")).then().statusCode(200);
        record(given().auth().oauth2(ALICE_KEY_2).get("/sessions/" + session)).then().statusCode(200)
                .body("runs.size()", equalTo(1));

        String log = Files.readString(Path.of(WithApiKeys.LOG_FILE));
        List<String> runLines = log.lines().filter(line -> line.contains("(run-" + runId + ")")).toList();
        assertTrue(runLines.size() >= 3, "the run logs its tool calls and its end:\n" + log);
        // Every line of the run leads to its row, its stored trace and its OpenTelemetry trace: run_id, trace_id (the
        // one GET /runs/{id} returns) and the span it was written under.
        String traceId = given().auth().oauth2(ALICE_KEY_2).get("/runs/" + runId).then().statusCode(200)
                .extract().path("trace_id");
        assertTrue(traceId != null && traceId.matches("[0-9a-f]{32}"), "the run's trace id: " + traceId);
        java.util.regex.Pattern keys = java.util.regex.Pattern.compile(
                "run_id=" + runId + " trace_id=" + traceId + " span_id=[0-9a-f]{16} ");
        runLines.forEach(line -> assertTrue(keys.matcher(line).find(), line));
        assertTrue(log.lines().anyMatch(line -> line.contains("run accepted") && keys.matcher(line).find()),
                "the request thread logs the accepted run with its run_id, trace_id and span_id:\n" + log);
        assertNoSecretIn(log, "the log");
        for (String body : bodies) {
            assertNoSecretIn(body, "a response body");
        }
    }

    @Test
    void controlCharactersFromTheModelCannotForgeLogLines() throws Exception {
        FakeModelServer model = FakeModelResource.server();
        ConversationRouter router = ConversationRouter.installOn(model);
        String token = ConversationRouter.token();
        // The model chooses the tool call id, and the harness logs it.
        String callId = "call_" + token + "\n12:00:00.000 ERROR [forged] (x) run_id=admin FORGED-" + token
                + "\r\u001b[2K\u001b[31mred-" + token;
        router.route(token, request -> request.functionCallOutputs().isEmpty()
                ? dev.agentharness.fakes.model.Reply.functionCall(callId, "lookup_account", "{\"account_id\":\"ACME-1001\"}")
                : dev.agentharness.fakes.model.Reply.message("done"));

        given().auth().oauth2(ALICE_KEY_1).contentType("application/json")
                .body("{\"message\":\"look up " + token + "\"}").post("/runs")
                .then().statusCode(200).body("status", equalTo("succeeded"));

        String log = Files.readString(Path.of(WithApiKeys.LOG_FILE));
        List<String> lines = log.lines().filter(line -> line.contains(token)).toList();
        assertTrue(lines.stream().anyMatch(line -> line.contains("calls tool lookup_account (call call_" + token
                        + "\\n12:00:00.000 ERROR [forged] (x) run_id=admin FORGED-" + token + "\\r\\u001b[2K\\u001b[31mred-" + token + ")")),
                "the call id is logged on one line with its control characters escaped:\n" + String.join("\n", lines));
        assertFalse(log.lines().anyMatch(line -> line.startsWith("12:00:00.000 ERROR [forged]")), "no forged line");
        assertFalse(log.contains("\u001b"), "no raw escape character in the log");
    }

    private Response record(Response response) {
        bodies.add(response.asString());
        bodies.add(response.headers().toString());
        return response;
    }

    private static void assertNoSecretIn(String text, String where) {
        for (String secret : List.of(ALICE_KEY_1, ALICE_KEY_2, BOB_KEY, FakeModelResource.TEST_MODEL_KEY)) {
            assertFalse(text.contains(secret), where + " contains a configured secret");
        }
    }
}
