package dev.agentharness.runtime.api;

import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.RecordedRequest;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.fakes.model.Responder;
import dev.agentharness.runtime.sandbox.Bwrap;
import dev.agentharness.runtime.storage.Digests;
import dev.agentharness.runtime.storage.ObjectKeys;
import dev.agentharness.runtime.storage.Storage;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WithApiKeysAndLocalSandbox;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static dev.agentharness.runtime.testing.WithApiKeys.ALICE_KEY_1;
import static dev.agentharness.runtime.testing.WithApiKeys.BOB_KEY;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A session belongs to its principal: the same {@code session_id} used by two principals is two sessions, with two
 * histories and two input prefixes, and nothing a principal sees depends on whether another one uses the id.
 */
@QuarkusTest
@TestProfile(WithApiKeysAndLocalSandbox.class)
class SessionScopeTest {

    @Inject
    Storage storage;

    FakeModelServer model;
    ConversationRouter router;

    @BeforeEach
    void routeConversations() {
        model = FakeModelResource.server();
        router = ConversationRouter.installOn(model);
    }

    @Test
    void anotherPrincipalNamingASessionIdGetsANewSessionThatKnowsNothingOfTheFirst() {
        String session = "s1-" + ConversationRouter.token();
        String free = "free-" + ConversationRouter.token();
        String aliceToken = ConversationRouter.token();
        router.route(aliceToken, request -> Reply.message("noted, alice"));
        String alicesRun = given().auth().oauth2(ALICE_KEY_1).contentType("application/json")
                .body(runBody("my secret plan " + aliceToken, session)).post("/runs")
                .then().statusCode(200).body("session_id", equalTo(session)).extract().path("run_id");

        // Bob sees exactly what he sees for an id nobody uses: no oracle.
        assertEquals(answers(given().auth().oauth2(BOB_KEY).get("/sessions/" + free)),
                answers(given().auth().oauth2(BOB_KEY).get("/sessions/" + session)));
        String bobToken = ConversationRouter.token();
        router.route(bobToken, request -> Reply.message("hello, bob"));
        Response onTaken = given().auth().oauth2(BOB_KEY).contentType("application/json")
                .body(runBody("hi " + bobToken, session)).post("/runs");
        Response onFree = given().auth().oauth2(BOB_KEY).contentType("application/json")
                .body(runBody("hi again " + bobToken, free)).post("/runs");
        assertEquals(200, onTaken.statusCode(), onTaken.asString());
        assertEquals(onFree.statusCode(), onTaken.statusCode());
        onTaken.then().body("session_id", equalTo(session)).body("status", equalTo("succeeded"));
        String bobsRun = onTaken.path("run_id");

        // Bob's model call carried none of Alice's history.
        List<RecordedRequest> bobsCalls = ConversationRouter.conversation(model, bobToken);
        assertEquals(2, bobsCalls.size());
        bobsCalls.forEach(call -> assertFalse(call.body().toString().contains(aliceToken), call.body().toString()));
        // Two sessions of one id: each principal sees only its own run.
        given().auth().oauth2(BOB_KEY).get("/sessions/" + session).then().statusCode(200)
                .body("runs.size()", equalTo(1)).body("runs[0].run_id", equalTo(bobsRun));
        given().auth().oauth2(ALICE_KEY_1).get("/sessions/" + session).then().statusCode(200)
                .body("runs.size()", equalTo(1)).body("runs[0].run_id", equalTo(alicesRun));

        // Alice's follow-up sees her history and nothing of Bob's.
        given().auth().oauth2(ALICE_KEY_1).contentType("application/json").body(runBody("and now?", session))
                .post("/runs").then().statusCode(200);
        RecordedRequest followUp = ConversationRouter.conversation(model, aliceToken).getLast();
        assertTrue(followUp.body().toString().contains("my secret plan"), "alice's follow-up carries her history");
        assertFalse(followUp.body().toString().contains(bobToken), followUp.body().toString());
    }

    @Test
    void inputUploadsAnswerAlikeAndLandInTheCallersOwnSession() {
        String session = "ses-in-" + ConversationRouter.token();
        String free = "ses-free-" + ConversationRouter.token();
        Response alices = upload(ALICE_KEY_1, session, "notes.txt", "alice's private notes");
        alices.then().statusCode(201);

        Response bobsOnTaken = upload(BOB_KEY, session, "notes.txt", "bob's notes");
        Response bobsOnFree = upload(BOB_KEY, free, "notes.txt", "bob's notes");

        assertEquals(201, bobsOnTaken.statusCode(), bobsOnTaken.asString());
        assertEquals(bobsOnFree.statusCode(), bobsOnTaken.statusCode());
        String alicesKey = alices.path("key");
        String bobsKey = bobsOnTaken.path("key");
        assertEquals(ObjectKeys.input("bob", session, "notes.txt"), bobsKey);
        assertNotEquals(alicesKey, bobsKey);
        assertEquals(Digests.sha256Hex("alice's private notes".getBytes(StandardCharsets.UTF_8)),
                storage.store().head(alicesKey).orElseThrow().sha256(), "alice's input is untouched");
    }

    @Test
    void aMountOfTheSessionsInputsReachesOnlyTheCallersOwnSession() throws Exception {
        Bwrap.assumeInstalled();
        String session = "ses-mnt-" + ConversationRouter.token();
        String aliceKey = upload(ALICE_KEY_1, session, "notes.txt", "alice's private notes").then().statusCode(201)
                .extract().path("key");

        // Bob mounts "his" session's inputs writable, reads what is there and tries to overwrite notes.txt.
        String bobToken = ConversationRouter.token();
        router.route(bobToken, shell("ls -A inputs; cat inputs/notes.txt; echo overwritten by bob > inputs/notes.txt"));
        String bobsReply = given().auth().oauth2(BOB_KEY).contentType("application/json")
                .body(analystBody("what is in inputs? " + bobToken, session, false)).post("/runs")
                .then().statusCode(200).body("status", equalTo("succeeded")).extract().path("reply");

        assertFalse(bobsReply.contains("alice's private notes"), bobsReply);
        assertEquals(Digests.sha256Hex("alice's private notes".getBytes(StandardCharsets.UTF_8)),
                storage.store().head(aliceKey).orElseThrow().sha256(), "alice's input was not overwritten");
        assertEquals(Digests.sha256Hex("overwritten by bob\n".getBytes(StandardCharsets.UTF_8)),
                storage.store().head(ObjectKeys.input("bob", session, "notes.txt")).orElseThrow().sha256(),
                "bob's write went to his own session");

        // Alice's own mount still shows her file.
        String aliceToken = ConversationRouter.token();
        router.route(aliceToken, shell("cat inputs/notes.txt"));
        given().auth().oauth2(ALICE_KEY_1).contentType("application/json")
                .body(analystBody("read it " + aliceToken, session, true)).post("/runs")
                .then().statusCode(200).body("reply", containsString("alice's private notes"));
    }

    private static Responder shell(String command) {
        return request -> request.functionCallOutputs().isEmpty()
                ? Reply.functionCall("exec_command", "{\"cmd\":" + quote(command)
                        + ",\"workdir\":null,\"yield_time_ms\":20000,\"max_output_tokens\":null}")
                : Reply.message("saw: " + request.functionCallOutputFor("exec_command").orElseThrow().strip());
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static Map<String, Object> answers(Response response) {
        return Map.of("status", response.statusCode(), "type", String.valueOf(response.contentType()),
                "title", String.valueOf(response.jsonPath().getString("title")));
    }

    private static Response upload(String key, String session, String name, String content) {
        return given().auth().oauth2(key).contentType("text/plain").body(content.getBytes(StandardCharsets.UTF_8))
                .queryParam("name", name).post("/sessions/" + session + "/inputs");
    }

    private static String runBody(String message, String session) {
        return "{\"message\":" + quote(message) + ",\"session_id\":" + quote(session) + "}";
    }

    private static String analystBody(String message, String session, boolean readOnly) {
        return "{\"agent\":\"analyst\",\"message\":" + quote(message) + ",\"session_id\":" + quote(session)
                + ",\"manifest\":{\"entries\":{\"inputs\":{\"type\":\"r2_mount\",\"bucket\":\"any-bucket\","
                + "\"prefix\":\"inputs/{session_id}/\",\"read_only\":" + readOnly + "}}}}";
    }
}
