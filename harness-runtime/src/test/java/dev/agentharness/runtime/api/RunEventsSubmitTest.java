package dev.agentharness.runtime.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.SseClient;
import dev.agentharness.runtime.testing.WithFakeModel;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import dev.agentharness.runtime.state.Database;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /runs} with {@code Accept: text/event-stream}: the JSON submission's rules, then the run's events. */
@QuarkusTest
@TestProfile(WithFakeModel.class)
class RunEventsSubmitTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URI base;

    @Inject
    Database database;

    ConversationRouter router;

    @BeforeEach
    void routeConversationsOnceTheDatabaseIsUp() {
        router = ConversationRouter.installOn(FakeModelResource.server());
        // The embedded PostgreSQL comes up after the HTTP server; until then POST /runs answers 503.
        assertTrue(database.awaitReady(Duration.ofSeconds(120)), "the embedded database did not come up");
    }

    @Test
    void submitsLikeTheJsonPostThenStreamsTheRunFromItsFirstStepToItsEnd() throws Exception {
        String token = ConversationRouter.token();
        router.route(token, FakeModelServer.mayaDemo());
        String body = "{\"message\":\"ACME-1002 here (" + token + "): status emails stopped arriving\"}";

        String runId;
        try (SseClient stream = SseClient.post(base.resolve("/runs"), Map.of("Idempotency-Key", "sse-" + token), body)) {
            assertEquals(200, stream.response().statusCode());
            assertTrue(stream.response().headers().firstValue("Content-Type").orElseThrow()
                    .startsWith("text/event-stream"));
            String location = stream.response().headers().firstValue("Location").orElseThrow();
            assertTrue(location.matches("/runs/run_[0-9a-f]{32}"), location);
            runId = location.substring("/runs/".length());

            List<SseClient.Event> all = stream.dataUntilEnd(WAIT);
            List<String> kinds = all.stream().map(SseClient.Event::event).toList();
            assertEquals("run_succeeded", kinds.getLast(), stream.raw());
            // The agent loop's journal (the lead's part of issue 11): every step numbered from 1, tools included.
            assertEquals("1", all.getFirst().id(), stream.raw());
            assertTrue(kinds.containsAll(List.of("agent_started", "model_response", "tool_started", "tool_output")),
                    kinds.toString());
            for (int i = 0; i < all.size(); i++) {
                assertEquals(Integer.toString(i + 1), all.get(i).id(), stream.raw());
            }
            JsonNode end = JSON.readTree(all.getLast().data());
            assertEquals("succeeded", end.path("status").asText());
        }
        given().get("/runs/" + runId).then().statusCode(200).body("status", equalTo("succeeded"));

        // The same key and body again: the same run, streamed again from its first step.
        try (SseClient replay = SseClient.post(base.resolve("/runs"), Map.of("Idempotency-Key", "sse-" + token), body)) {
            assertEquals("/runs/" + runId, replay.response().headers().firstValue("Location").orElseThrow());
            assertEquals("run_succeeded", replay.dataUntilEnd(WAIT).getLast().event());
        }
    }

    @Test
    void aRefusedSubmissionIsAProblemBeforeAnyStream() {
        given().accept("text/event-stream").contentType("application/json").body("{\"message\":\"   \"}")
                .post("/runs")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("'message' must not be blank"));
        String token = ConversationRouter.token();
        given().contentType("application/json").header("Idempotency-Key", "k-" + token)
                .body("{\"message\":\"one " + token + "\"}").header("Prefer", "respond-async").post("/runs")
                .then().statusCode(202);
        given().accept("text/event-stream").contentType("application/json").header("Idempotency-Key", "k-" + token)
                .body("{\"message\":\"another " + token + "\"}").post("/runs")
                .then().statusCode(409).contentType("application/problem+json");
    }

    @Test
    void theJsonPostIsUnchangedWithAndWithoutAnAcceptHeader() {
        String token = ConversationRouter.token();
        router.route(token, FakeModelServer.mayaDemo());
        given().contentType("application/json").body("{\"message\":\"ACME-1001 " + token + " cannot log in\"}")
                .post("/runs")
                .then().statusCode(200).contentType("application/json").body("status", equalTo("succeeded"))
                .header("Location", matchesPattern("/runs/run_[0-9a-f]{32}"));
        given().accept("application/json").contentType("application/json")
                .body("{\"message\":\"ACME-1001 " + token + " cannot log in, again\"}").post("/runs")
                .then().statusCode(200).contentType("application/json").body("status", equalTo("succeeded"));
    }
}
