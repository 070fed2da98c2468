package dev.agentharness.runtime.api;

import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.security.Caller;
import dev.agentharness.runtime.storage.ObjectKeys;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.S3Buckets;
import dev.agentharness.runtime.testing.S3ProxyResource;
import dev.agentharness.runtime.testing.S3ServerProcess;
import dev.agentharness.runtime.testing.WithS3Proxy;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Artifacts through the API on a real S3 server that checks SigV4 (s3proxy, via S3_ENDPOINT): the
 * r2 health flag, presigned links, uploads into the bucket, and a store outage while runs complete.
 */
@QuarkusTest
@TestProfile(WithS3Proxy.class)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class S3ArtifactsApiTest {

    private final HttpClient http = HttpClient.newHttpClient();
    // Shared by every test of the class: the secret scan looks at every body this class received.
    private static final List<String> bodies = java.util.Collections.synchronizedList(new ArrayList<>());
    private ConversationRouter router;

    @BeforeEach
    void routeConversations() {
        router = ConversationRouter.installOn(FakeModelResource.server());
    }

    @Test
    void healthReportsR2WhenTheBucketAnswers() {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                given().get("/health").then().statusCode(200).body("backends.r2", equalTo(true)));
    }

    @Test
    void saveArtifactPutsTheReplyInTheBucketAndTheLinkIsAPresignedS3Url() throws Exception {
        String token = ConversationRouter.token();
        String reply = "stored in S3 (" + token + ")";
        router.route(token, request -> Reply.message(reply));

        Response response = given().contentType("application/json")
                .body("{\"message\":\"save " + token + "\",\"save_artifact\":true}").post("/runs");
        bodies.add(response.asString());

        response.then().statusCode(200).body("status", equalTo("succeeded")).body("artifact_error", nullValue());
        String runId = response.path("run_id");
        String link = response.path("artifact_url");
        String endpoint = S3ProxyResource.server().endpoint().toString();
        assertTrue(link.startsWith(endpoint + "/" + S3ProxyResource.BUCKET + "/outputs/" + runId + "/reply.md?"), link);
        assertTrue(link.contains("X-Amz-Signature=") && link.contains("X-Amz-Expires=3600"), link);
        assertEquals(reply, http.send(HttpRequest.newBuilder(URI.create(link)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        try (S3Client admin = S3Buckets.admin(S3ProxyResource.server().endpoint())) {
            String stored = admin.getObjectAsBytes(b -> b.bucket(S3ProxyResource.BUCKET).key("outputs/" + runId + "/reply.md"))
                    .asUtf8String();
            assertEquals(reply, stored);
        }

        Response redirect = given().redirects().follow(false).get("/runs/" + runId + "/artifacts/reply.md");
        redirect.then().statusCode(302);
        assertTrue(redirect.header("Location").startsWith(endpoint + "/" + S3ProxyResource.BUCKET + "/outputs/"));
    }

    @Test
    void anUploadedInputIsInTheBucketUnderTheSession() {
        String session = "ses-s3-" + ConversationRouter.token();
        Response response = given().contentType("text/plain").body("notes".getBytes(StandardCharsets.UTF_8))
                .queryParam("name", "notes.txt").post("/sessions/" + session + "/inputs");
        bodies.add(response.asString());
        response.then().statusCode(201).body("key", equalTo(ObjectKeys.input(Caller.LOCAL, session, "notes.txt")));

        try (S3Client admin = S3Buckets.admin(S3ProxyResource.server().endpoint())) {
            assertEquals("notes", admin.getObjectAsBytes(b -> b.bucket(S3ProxyResource.BUCKET)
                    .key(ObjectKeys.input(Caller.LOCAL, session, "notes.txt"))).asUtf8String());
        }
    }

    @Test
    void whenTheStoreIsDownTheRunStillSucceedsWithItsReplyAndSaysWhyTheArtifactIsMissing() throws Exception {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("the answer survives (" + token + ")"));
        S3ServerProcess s3 = S3ProxyResource.server();
        s3.stop();
        try {
            Response response = given().contentType("application/json")
                    .body("{\"message\":\"outage " + token + "\",\"save_artifact\":true}").post("/runs");
            bodies.add(response.asString());

            response.then().statusCode(200)
                    .body("status", equalTo("succeeded"))
                    .body("reply", equalTo("the answer survives (" + token + ")"))
                    .body("artifact_url", nullValue())
                    .body("artifacts.size()", equalTo(0))
                    .body("artifact_error", containsString("reply.md was not saved"))
                    .body("artifact_error", containsString("could not be reached"));
            String runId = response.path("run_id");
            given().get("/runs/" + runId).then().statusCode(200)
                    .body("artifact_error", containsString("could not be reached"))
                    .body("reply", equalTo("the answer survives (" + token + ")"));
            given().get("/runs/" + runId + "/artifacts/reply.md").then().statusCode(404);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    given().get("/health").then().statusCode(200).body("backends.r2", equalTo(false)));

            Response upload = given().contentType("text/plain").body("x".getBytes(StandardCharsets.UTF_8))
                    .queryParam("name", "x.txt").post("/sessions/ses-outage-" + token + "/inputs");
            bodies.add(upload.asString());
            upload.then().statusCode(503).contentType("application/problem+json");
            given().get("/sessions/ses-outage-" + token).then().statusCode(404);
        } finally {
            s3.start();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                given().get("/health").then().statusCode(200).body("backends.r2", equalTo(true)));
    }

    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
    void theSecretKeyAppearsInNoResponseAndNoLogLine() throws Exception {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("check " + token));
        bodies.add(given().contentType("application/json")
                .body("{\"message\":\"scan " + token + "\",\"save_artifact\":true}").post("/runs").asString());
        bodies.add(given().get("/health").asString());

        for (String body : bodies) {
            assertFalse(body.contains(S3ServerProcess.SECRET_KEY), body);
        }
        String log = Files.readString(Path.of(WithS3Proxy.LOG_FILE));
        assertTrue(log.contains("Artifacts on s3"), "the log file is the harness's");
        assertFalse(log.contains(S3ServerProcess.SECRET_KEY), "the S3 secret leaked into the log");
    }
}
