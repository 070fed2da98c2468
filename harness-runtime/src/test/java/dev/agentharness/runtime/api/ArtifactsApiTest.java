package dev.agentharness.runtime.api;

import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.security.Caller;
import dev.agentharness.runtime.storage.ObjectKeys;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WithFakeModel;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Artifacts through the API on the embedded default (local store, HMAC-signed links served by
 * the harness): save_artifact, fresh links, the 302 endpoint, input uploads and their refusals.
 */
@QuarkusTest
@TestProfile(WithFakeModel.class)
class ArtifactsApiTest {

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private ConversationRouter router;

    @BeforeEach
    void routeConversations() {
        router = ConversationRouter.installOn(FakeModelResource.server());
    }

    @Test
    void saveArtifactWritesTheReplyAndAnswersWithAWorkingShortLivedLink() throws Exception {
        String token = ConversationRouter.token();
        String reply = "# Summary\n\nYour invoices are back on (" + token + ").";
        router.route(token, request -> Reply.message(reply));

        Response response = given().contentType("application/json")
                .body("{\"message\":\"summarise " + token + "\",\"save_artifact\":true}").post("/runs");

        response.then().statusCode(200).body("status", equalTo("succeeded")).body("reply", equalTo(reply))
                .body("artifact_error", nullValue())
                .body("artifacts.size()", equalTo(1))
                .body("artifacts[0].name", equalTo("reply.md"))
                .body("artifacts[0].content_type", equalTo("text/markdown; charset=utf-8"))
                .body("artifacts[0].size", equalTo(reply.getBytes(StandardCharsets.UTF_8).length))
                .body("artifacts[0].sha256", equalTo(sha256(reply)));
        String runId = response.path("run_id");
        assertEquals("outputs/" + runId + "/reply.md", response.path("artifacts[0].key"));
        String link = response.path("artifact_url");
        assertTrue(link.startsWith(harnessUrl()) && link.contains("/storage/outputs/" + runId + "/reply.md?"), link);
        assertTrue(link.contains("X-Harness-Expires=") && link.contains("X-Harness-Signature="), link);

        HttpResponse<String> download = fetch(URI.create(link));
        assertEquals(200, download.statusCode());
        assertEquals(reply, download.body());
        assertEquals("text/markdown; charset=utf-8", download.headers().firstValue("Content-Type").orElse(""));

        // A later read mints its own link, equally valid.
        String again = given().get("/runs/" + runId).then().statusCode(200).extract().path("artifact_url");
        assertEquals(reply, fetch(URI.create(again)).body());
    }

    /** Where the test client reaches the harness: what a loopback caller's links are built on in dev mode. */
    private static String harnessUrl() {
        return io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port + "/";
    }

    @Test
    void forwardedHostFromAnUntrustedPeerChangesNeitherLinksNorRedirects() throws Exception {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("forwarded " + token));
        // No HARNESS_TRUSTED_PROXIES here: the test client is a peer like any other.
        String link = given().header("X-Forwarded-Host", "evil.example").header("X-Forwarded-Proto", "https")
                .contentType("application/json").body("{\"message\":\"go " + token + "\",\"save_artifact\":true}")
                .post("/runs").then().statusCode(200).extract().path("artifact_url");
        String runId = link.substring(link.indexOf("/outputs/") + "/outputs/".length(), link.indexOf("/reply.md"));
        String redirect = given().redirects().follow(false).header("X-Forwarded-Host", "evil.example")
                .get("/runs/" + runId + "/artifacts/reply.md")
                .then().statusCode(302).extract().header("Location");

        for (String url : java.util.List.of(link, redirect)) {
            assertTrue(url.startsWith(harnessUrl()) && !url.contains("evil.example"), url);
        }
        HttpResponse<String> download = fetch(URI.create(redirect));
        assertEquals("forwarded " + token, download.body());
        assertEquals("nosniff", download.headers().firstValue("X-Content-Type-Options").orElse(""));
        assertTrue(download.headers().firstValue("Content-Disposition").orElse("").startsWith("attachment"));
    }

    @Test
    void theArtifactEndpointRedirectsToAFreshLinkAndKnowsOnlyRecordedNames() throws Exception {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("redirected " + token));
        String runId = given().contentType("application/json")
                .body("{\"message\":\"go " + token + "\",\"save_artifact\":true}").post("/runs")
                .then().statusCode(200).extract().path("run_id");

        Response redirect = given().redirects().follow(false).get("/runs/" + runId + "/artifacts/reply.md");

        redirect.then().statusCode(302).header("Cache-Control", "no-store");
        String location = redirect.header("Location");
        assertTrue(location.contains("/storage/outputs/" + runId + "/reply.md?"), location);
        assertEquals("redirected " + token, fetch(URI.create(location)).body());

        given().get("/runs/" + runId + "/artifacts/other.md").then().statusCode(404)
                .contentType("application/problem+json").body("detail", containsString("no artifact named 'other.md'"));
        given().get("/runs/run_doesnotexist/artifacts/reply.md").then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void aRunWithoutSaveArtifactHasNoLinkAndNoArtifacts() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("plain"));
        given().contentType("application/json").body("{\"message\":\"plain " + token + "\"}").post("/runs")
                .then().statusCode(200).body("artifact_url", nullValue()).body("artifact_error", nullValue())
                .body("artifacts.size()", equalTo(0));
    }

    @Test
    void theBulkFeedShowsEveryFinishedRunExactlyAsItsOwnReadDoes() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("feed " + token));
        java.time.OffsetDateTime start = java.time.OffsetDateTime.now().minusSeconds(1);
        String saved = given().contentType("application/json")
                .body("{\"message\":\"saved " + token + "\",\"save_artifact\":true}").post("/runs")
                .then().statusCode(200).extract().path("run_id");
        String plain = given().contentType("application/json").body("{\"message\":\"plain " + token + "\"}").post("/runs")
                .then().statusCode(200).extract().path("run_id");

        Response page = given().queryParam("updated_since", start.toString()).queryParam("limit", 500).get("/runs");

        page.then().statusCode(200);
        java.util.List<java.util.Map<String, Object>> runs = page.jsonPath().getList("runs");
        java.util.Map<String, Object> savedView = runs.stream().filter(r -> saved.equals(r.get("run_id"))).findFirst().orElseThrow();
        java.util.Map<String, Object> plainView = runs.stream().filter(r -> plain.equals(r.get("run_id"))).findFirst().orElseThrow();
        // One query for the page's artifacts: the same rows as the run's own read, minus the freshly minted link.
        assertEquals(given().get("/runs/" + saved).jsonPath().getList("artifacts"), savedView.get("artifacts"));
        assertEquals(1, ((java.util.List<?>) savedView.get("artifacts")).size());
        assertTrue(String.valueOf(savedView.get("artifact_url")).contains("/storage/outputs/" + saved + "/reply.md?"));
        assertEquals(java.util.List.of(), plainView.get("artifacts"));
        assertEquals(null, plainView.get("artifact_url"));
    }

    @Test
    void anAlteredLinkIsRefusedWith403ProblemJson() throws Exception {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("guarded"));
        String link = given().contentType("application/json")
                .body("{\"message\":\"x " + token + "\",\"save_artifact\":true}").post("/runs")
                .then().statusCode(200).extract().path("artifact_url");
        String tampered = link.replace("X-Harness-Expires=", "X-Harness-Expires=9");

        HttpResponse<String> refused = fetch(URI.create(tampered));

        assertEquals(403, refused.statusCode());
        assertTrue(refused.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
        assertTrue(refused.body().contains("signature does not match"), refused.body());
    }

    @Test
    void anUploadLandsUnderTheSessionsInputsAndCreatesTheSessionForTheCaller() {
        String session = "ses-inputs-" + ConversationRouter.token();
        byte[] csv = "id,amount\n1,20\n".getBytes(StandardCharsets.UTF_8);

        given().contentType("text/csv").body(csv).queryParam("name", "data/march.csv")
                .post("/sessions/" + session + "/inputs")
                .then().statusCode(201)
                .body("name", equalTo("data/march.csv"))
                .body("key", equalTo(ObjectKeys.input(Caller.LOCAL, session, "data/march.csv")))
                .body("size", equalTo(csv.length))
                .body("sha256", equalTo(sha256(new String(csv, StandardCharsets.UTF_8))))
                .body("content_type", startsWith("text/csv"));
        given().get("/sessions/" + session).then().statusCode(200).body("session_id", equalTo(session));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../escape.csv", "/etc/passwd", "a/../../b", "nul\u0000.csv", "bell\u0007.csv",
            "new\nline.csv", "win\\dows.csv", ""})
    void namesThatTryToEscapeThePrefixAre400AndWriteNothing(String name) {
        String session = "ses-bad-" + ConversationRouter.token();

        given().contentType("application/octet-stream").body(new byte[] {1, 2, 3}).queryParam("name", name)
                .post("/sessions/" + session + "/inputs")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", startsWith("query parameter 'name': "));
        given().get("/sessions/" + session).then().statusCode(404);
    }

    @Test
    void aMissingNameIs400() {
        given().contentType("application/octet-stream").body(new byte[] {1}).post("/sessions/ses-noname/inputs")
                .then().statusCode(400).body("detail", containsString("a file name is required"));
    }

    @Test
    void anInputAboveTheLimitIs413AndWritesNothing() {
        String session = "ses-big-" + ConversationRouter.token();
        byte[] tooBig = new byte[10 * 1024 * 1024 + 1];

        given().contentType("application/octet-stream").body(tooBig).queryParam("name", "big.bin")
                .post("/sessions/" + session + "/inputs")
                .then().statusCode(413).contentType("application/problem+json")
                .body("detail", containsString("at most 10485760 bytes"));
        given().get("/sessions/" + session).then().statusCode(404);
    }

    private HttpResponse<String> fetch(URI link) throws Exception {
        return http.send(HttpRequest.newBuilder(link).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static String sha256(String text) throws RuntimeException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
