package dev.agentharness.runtime.api;

import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WithApiKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static dev.agentharness.runtime.testing.WithApiKeys.ALICE_KEY_1;
import static dev.agentharness.runtime.testing.WithApiKeys.BOB_KEY;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Artifacts belong to the run's principal (anyone else sees nothing: 404); inputs to the session's principal. */
@QuarkusTest
@TestProfile(WithApiKeys.class)
class ArtifactOwnershipTest {

    private ConversationRouter router;

    @BeforeEach
    void routeConversations() {
        router = ConversationRouter.installOn(FakeModelResource.server());
    }

    @Test
    void onlyTheRunsOwnerGetsALinkToItsArtifact() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("alice's report"));
        String runId = given().auth().oauth2(ALICE_KEY_1).contentType("application/json")
                .body("{\"message\":\"report " + token + "\",\"save_artifact\":true}").post("/runs")
                .then().statusCode(200).extract().path("run_id");

        given().auth().oauth2(ALICE_KEY_1).redirects().follow(false).get("/runs/" + runId + "/artifacts/reply.md")
                .then().statusCode(302);
        given().auth().oauth2(BOB_KEY).redirects().follow(false).get("/runs/" + runId + "/artifacts/reply.md")
                .then().statusCode(404).contentType("application/problem+json");
        given().redirects().follow(false).get("/runs/" + runId + "/artifacts/reply.md").then().statusCode(401);
    }

    @Test
    void theSameSessionIdOfAnotherPrincipalIsAnotherSessionWithItsOwnInputs() {
        String session = "ses-owned-" + ConversationRouter.token();
        String alices = given().auth().oauth2(ALICE_KEY_1).contentType("text/plain").body("mine".getBytes(StandardCharsets.UTF_8))
                .queryParam("name", "mine.txt").post("/sessions/" + session + "/inputs").then().statusCode(201)
                .extract().path("key");

        String bobs = given().auth().oauth2(BOB_KEY).contentType("text/plain").body("theirs".getBytes(StandardCharsets.UTF_8))
                .queryParam("name", "mine.txt").post("/sessions/" + session + "/inputs").then().statusCode(201)
                .extract().path("key");

        assertNotEquals(alices, bobs, "bob's upload must not land on (or overwrite) alice's object");
    }

    @Test
    void signedLinksNeedNoApiKeyBecauseTheSignatureIsTheCredential() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("shared by link"));
        String link = given().auth().oauth2(ALICE_KEY_1).contentType("application/json")
                .body("{\"message\":\"share " + token + "\",\"save_artifact\":true}").post("/runs")
                .then().statusCode(200).extract().path("artifact_url");

        given().get(link).then().statusCode(200).body(equalTo("shared by link"));
        given().get(link.replace("X-Harness-Signature=", "X-Harness-Signature=0")).then().statusCode(403);
    }
}
