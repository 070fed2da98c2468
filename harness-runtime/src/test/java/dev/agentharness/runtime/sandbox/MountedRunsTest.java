package dev.agentharness.runtime.sandbox;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.RecordedRequest;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.S3Buckets;
import dev.agentharness.runtime.testing.S3ProxyResource;
import dev.agentharness.runtime.testing.S3ServerProcess;
import dev.agentharness.runtime.testing.WithS3Proxy;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Runs that mount the bucket, end to end on real parts: an input uploaded through the API lands in
 * s3proxy (SigV4 checked), the run's sandbox (bubblewrap) gets it through a presigned GET, the
 * analyst's script writes its result into the writable mount, and the result goes back to the
 * bucket through a presigned PUT and becomes an artifact of the run.
 */
@QuarkusTest
@TestProfile(WithS3Proxy.class)
class MountedRunsTest {

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private FakeModelServer model;
    private ConversationRouter router;

    @BeforeAll
    static void needsBubblewrap() {
        Bwrap.assumeInstalled();
    }

    @BeforeEach
    void routeConversations() {
        model = FakeModelResource.server();
        router = ConversationRouter.installOn(model);
    }

    static String mountingManifest() throws Exception {
        return SandboxRunsTest.JSON.writeValueAsString(Map.of("entries", Map.of(
                "inputs", Map.of("type", "r2_mount", "bucket", S3ProxyResource.BUCKET, "prefix", "inputs/{session_id}/"),
                "outputs", Map.of("type", "r2_mount", "bucket", S3ProxyResource.BUCKET, "prefix", "outputs/{run_id}/",
                        "read_only", false))));
    }

    @Test
    void anUploadedInputIsCountedInTheSandboxAndTheResultComesBackToTheBucketAsAnArtifact() throws Exception {
        String token = ConversationRouter.token();
        String session = "ses-mount-" + token;
        given().contentType("text/plain").body(SandboxRunsTest.NOTES.getBytes(StandardCharsets.UTF_8))
                .queryParam("name", "notes.txt").post("/sessions/" + session + "/inputs")
                .then().statusCode(201);
        router.route(token, SandboxRunsTest.wordCounter(request -> { }));

        String body = SandboxRunsTest.JSON.createObjectNode().put("agent", "analyst").put("session_id", session)
                .put("message", "How many words are in inputs/notes.txt? (" + token + ")")
                .set("manifest", SandboxRunsTest.JSON.readTree(mountingManifest())).toString();
        Response response = given().contentType("application/json").body(body).post("/runs");

        response.then().statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("used_sandbox", equalTo(true))
                .body("reply", containsString(" " + SandboxRunsTest.NOTES_WORDS + " words"))
                .body("artifact_error", nullValue())
                .body("artifacts.size()", equalTo(1))
                .body("artifacts[0].name", equalTo("word_count.txt"))
                .body("artifacts[0].size", equalTo(3));
        String runId = response.path("run_id");
        assertEquals("outputs/" + runId + "/word_count.txt", response.path("artifacts[0].key"));
        try (S3Client admin = S3Buckets.admin(S3ProxyResource.server().endpoint())) {
            assertEquals(SandboxRunsTest.NOTES_WORDS + "\n", admin.getObjectAsBytes(b -> b.bucket(S3ProxyResource.BUCKET)
                    .key("outputs/" + runId + "/word_count.txt")).asUtf8String());
        }
        Response redirect = given().redirects().follow(false).get("/runs/" + runId + "/artifacts/word_count.txt");
        redirect.then().statusCode(302);
        assertEquals(SandboxRunsTest.NOTES_WORDS + "\n", http.send(HttpRequest.newBuilder(URI.create(redirect.header("Location")))
                .build(), HttpResponse.BodyHandlers.ofString()).body());

        // What the model saw of the sandbox: the mounted file was there, and nothing of the store's access.
        List<RecordedRequest> conversation = ConversationRouter.conversation(model, token);
        String everything = String.join("\n", conversation.stream().map(r -> r.body().toString()).toList());
        assertTrue(everything.contains("Output:\\n" + SandboxRunsTest.NOTES_WORDS + "\\n"), "the script counted the mounted file");
        assertFalse(everything.contains(S3ServerProcess.ACCESS_KEY), "the access key id reached the model");
        assertFalse(everything.contains("X-Amz-"), "a presigned URL reached the model");
    }

    @Test
    void mountsThisHarnessCannotServeAreRefusedBeforeTheRunIsWritten() throws Exception {
        String wrongBucket = "{\"entries\":{\"data\":{\"type\":\"s3_mount\",\"bucket\":\"someone-elses\","
                + "\"prefix\":\"knowledge/\"}}}";
        given().contentType("application/json")
                .body(SandboxRunsTest.runBody("x", wrongBucket)).post("/runs")
                .then().statusCode(422)
                .contentType("application/problem+json")
                .body("detail", containsString("entries['data'].bucket: this harness stores objects in bucket '"
                        + S3ProxyResource.BUCKET + "' and can only mount that bucket"));
        String writableKnowledge = "{\"entries\":{\"kb\":{\"type\":\"r2_mount\",\"bucket\":\"" + S3ProxyResource.BUCKET
                + "\",\"prefix\":\"knowledge/\",\"read_only\":false}}}";
        given().contentType("application/json")
                .body(SandboxRunsTest.runBody("x", writableKnowledge)).post("/runs")
                .then().statusCode(422)
                .body("detail", containsString("entries['kb'].read_only: knowledge/ is shared by every run"));
    }
}
