package dev.agentharness.runtime.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.RecordedRequest;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WithFakeModel;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.api.common.AttributeKey;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /runs} and friends, end to end: HTTP → durable run → agent loop → FAKE model → PostgreSQL. */
@QuarkusTest
@TestProfile(WithFakeModel.class)
class RunsApiTest {

    @Inject
    InMemorySpanExporter spans;

    @Inject
    dev.agentharness.runtime.state.Database database;

    FakeModelServer model;
    ConversationRouter router;

    @BeforeEach
    void routeConversations() {
        model = FakeModelResource.server();
        router = ConversationRouter.installOn(model);
    }

    @Test
    void mayaLooksTheAccountUpDraftsAReplyAndAnswersSynchronously() {
        String token = ConversationRouter.token();
        router.route(token, FakeModelServer.mayaDemo());
        String message = "Hi, ACME-1002 here (" + token + "): our status emails stopped arriving.";

        Response response = given().contentType("application/json")
                .body("{\"message\":\"" + message + "\"}")
                .post("/runs");

        response.then().statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("agent", equalTo("maya"))
                .body("reason", equalTo(null))
                .body("used_sandbox", equalTo(false))
                .body("run_id", matchesPattern("run_[0-9a-f]{32}"))
                .body("trace_id", matchesPattern("[0-9a-f]{32}"))
                .body("usage.input_tokens", notNullValue())
                .body("reply", notNullValue());
        List<RecordedRequest> conversation = ConversationRouter.conversation(model, token);
        assertEquals(3, conversation.size(), "lookup_account, draft_reply, final answer");

        RecordedRequest first = conversation.get(0);
        assertEquals("gpt-5.4-mini", first.model());
        assertTrue(first.instructions().contains("Maya"), first.instructions());
        assertTrue(first.toolNames().containsAll(List.of("lookup_account", "draft_reply", "transfer_to_billing")),
                first.toolNames().toString());
        first.tools().forEach(tool -> assertTrue(tool.path("strict").asBoolean(), tool.toString()));

        String lookupOutput = conversation.get(1).functionCallOutputFor("lookup_account").orElseThrow();
        assertTrue(lookupOutput.contains("ACME-1002"), lookupOutput);
        String draft = conversation.get(2).functionCallOutputFor("draft_reply").orElseThrow();
        assertEquals(draft, response.jsonPath().getString("reply"));
        assertTrue(response.jsonPath().getLong("usage.input_tokens") > 0);
        assertTrue(response.jsonPath().getLong("usage.output_tokens") > 0);

        String runId = response.jsonPath().getString("run_id");
        JsonNode trace = given().get("/runs/" + runId + "/trace").then().statusCode(200)
                .extract().as(JsonNode.class);
        List<String> functions = trace.path("spans").findParents("kind").stream()
                .filter(span -> "function".equals(span.path("kind").asText()))
                .map(span -> span.path("name").asText()).toList();
        assertEquals(List.of("lookup_account", "draft_reply"), functions);
    }

    @Test
    void asyncRunsAnswer202WithALocationAndFinishInTheBackground() {
        String token = ConversationRouter.token();
        router.route(token, FakeModelServer.mayaDemo());

        Response accepted = given().contentType("application/json").header("Prefer", "respond-async")
                .body("{\"message\":\"ACME-1001 " + token + " cannot log in\"}")
                .post("/runs");

        accepted.then().statusCode(202).header("Location", matchesPattern("/runs/run_[0-9a-f]{32}"));
        String location = accepted.header("Location");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().get(location).then().statusCode(200).body("status", equalTo("succeeded")));
        given().get(location).then().body("reply", containsString("Priya"));
    }

    @Test
    void aSessionKeepsItsHistoryAndFollowUpsSeeIt() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("answer " + request.inputItems().size()));
        String session = "ses-" + token;

        given().contentType("application/json")
                .body("{\"message\":\"first " + token + "\",\"session_id\":\"" + session + "\"}")
                .post("/runs").then().statusCode(200).body("reply", equalTo("answer 1"));
        given().contentType("application/json")
                .body("{\"message\":\"second\",\"session_id\":\"" + session + "\"}")
                .post("/runs").then().statusCode(200).body("reply", equalTo("answer 3"));

        given().get("/sessions/" + session).then().statusCode(200)
                .body("session_id", equalTo(session))
                .body("runs.size()", equalTo(2))
                .body("runs[0].message", equalTo("first " + token))
                .body("runs[0].reply", equalTo("answer 1"))
                .body("runs[1].message", equalTo("second"))
                .body("runs[1].reply", equalTo("answer 3"));
        RecordedRequest followUp = ConversationRouter.conversation(model, token).get(1);
        assertEquals("second", followUp.latestUserMessage());
    }

    @Test
    void concurrentRetriesWithOneIdempotencyKeyMakeOneRunAndOneConversation() throws Exception {
        String token = ConversationRouter.token();
        AtomicInteger firstTurns = new AtomicInteger();
        router.route(token, request -> {
            if (request.functionCallOutputs().isEmpty()) {
                firstTurns.incrementAndGet();
            }
            return Reply.message("done once");
        });
        String body = "{\"message\":\"pay once " + token + "\"}";
        String key = "idem-" + token;
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        List<Callable<Response>> calls = java.util.stream.IntStream.range(0, 25)
                .<Callable<Response>>mapToObj(i -> () -> given().contentType("application/json")
                        .header("Idempotency-Key", key).body(body).post("/runs"))
                .toList();
        Set<String> runIds = new HashSet<>();
        for (Future<Response> f : pool.invokeAll(calls)) {
            Response r = f.get();
            assertEquals(200, r.statusCode(), r.asString());
            assertEquals("succeeded", r.jsonPath().getString("status"));
            runIds.add(r.jsonPath().getString("run_id"));
        }
        pool.close();
        assertEquals(1, runIds.size(), "one run for one key");
        assertEquals(1, ConversationRouter.conversation(model, token).size(), "one model conversation");
        assertEquals(1, firstTurns.get());

        given().contentType("application/json").header("Idempotency-Key", key)
                .body("{\"message\":\"something else " + token + "\"}")
                .post("/runs").then().statusCode(409)
                .contentType(containsString("application/problem+json"))
                .body("detail", containsString("Idempotency-Key"));
    }

    @Test
    void aRunThatNeverStopsCallingToolsFailsWithMaxTurnsExceeded() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.functionCall("lookup_account", "{\"account_id\":\"ACME-1001\"}"));

        given().contentType("application/json")
                .body("{\"message\":\"loop " + token + "\",\"max_turns\":3}")
                .post("/runs").then().statusCode(200)
                .body("status", equalTo("failed"))
                .body("reason", equalTo("MaxTurnsExceeded"))
                .body("reply", equalTo(null));
        assertEquals(3, ConversationRouter.conversation(model, token).size());
    }

    @Test
    void theDefaultTurnLimitIsTen() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.functionCall("lookup_account", "{\"account_id\":\"ACME-1001\"}"));

        given().contentType("application/json").body("{\"message\":\"loop forever " + token + "\"}")
                .post("/runs").then().statusCode(200).body("reason", equalTo("MaxTurnsExceeded"));
        assertEquals(10, ConversationRouter.conversation(model, token).size());
    }

    @Test
    void toolErrorsAndMalformedArgumentsGoBackToTheModelAndTheLoopContinues() {
        String token = ConversationRouter.token();
        router.route(token, request -> switch (request.functionCallOutputs().size()) {
            case 0 -> Reply.functionCall("lookup_account", "{\"account_id\":\"ACME-9999\"}");
            case 1 -> Reply.functionCall("lookup_account", "{\"account_id\": ");
            default -> Reply.message("recovered");
        });

        given().contentType("application/json").body("{\"message\":\"errors " + token + "\"}")
                .post("/runs").then().statusCode(200)
                .body("status", equalTo("succeeded")).body("reply", equalTo("recovered"));
        List<RecordedRequest> conversation = ConversationRouter.conversation(model, token);
        assertEquals(3, conversation.size());
        List<String> outputs = List.copyOf(conversation.get(2).functionCallOutputs().values());
        assertTrue(outputs.get(0).startsWith("An error occurred while running the tool. Please try again. Error:"),
                outputs.get(0));
        assertTrue(outputs.get(1).startsWith("An error occurred while parsing tool arguments."), outputs.get(1));
    }

    @Test
    void aHandoffSwitchesToTheBillingAgent() {
        String token = ConversationRouter.token();
        router.route(token, request -> request.toolNames().contains("transfer_to_billing")
                ? Reply.functionCall("transfer_to_billing", "{}")
                : Reply.message("billing here"));

        given().contentType("application/json").body("{\"message\":\"refund " + token + "\"}")
                .post("/runs").then().statusCode(200)
                .body("status", equalTo("succeeded")).body("reply", equalTo("billing here"));
        List<RecordedRequest> conversation = ConversationRouter.conversation(model, token);
        assertEquals(2, conversation.size());
        assertTrue(conversation.get(1).instructions().toLowerCase().contains("billing"),
                conversation.get(1).instructions());
    }

    @Test
    void aCardNumberTripsTheInputGuardrailBeforeAnyModelCall() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("should never be asked"));

        given().contentType("application/json")
                .body("{\"message\":\"my card is 4111 1111 1111 1111 " + token + "\"}")
                .post("/runs").then().statusCode(200)
                .body("status", equalTo("failed"))
                .body("reason", equalTo("InputGuardrailTripwireTriggered"));
        assertEquals(0, ConversationRouter.conversation(model, token).size());
    }

    @Test
    void aSecretInTheReplyTripsTheOutputGuardrail() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("here is the key sk-live-abcdefghijklmnopqrstuvwx"));

        given().contentType("application/json").body("{\"message\":\"leak " + token + "\"}")
                .post("/runs").then().statusCode(200)
                .body("status", equalTo("failed"))
                .body("reason", equalTo("OutputGuardrailTripwireTriggered"))
                .body("reply", equalTo(null));
    }

    @Test
    void theModelFailingForGoodFailsTheRunWithAReason() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.error(500, "upstream exploded"));

        given().contentType("application/json").body("{\"message\":\"boom " + token + "\"}")
                .post("/runs").then().statusCode(200)
                .body("status", equalTo("failed"))
                .body("reason", equalTo("ModelUnavailable"));
        assertEquals(2, ConversationRouter.conversation(model, token).size(), "one call plus one retry");
    }

    @Test
    void theRunIdIsAnAttributeOfTheRequestSpanAndTheRunSpan() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("traced"));

        String runId = given().contentType("application/json").body("{\"message\":\"trace me " + token + "\"}")
                .post("/runs").then().statusCode(200).extract().path("run_id");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<String> names = spans.getFinishedSpanItems().stream()
                    .filter(s -> runId.equals(s.getAttributes().get(AttributeKey.stringKey("run_id"))))
                    .map(s -> s.getName()).toList();
            assertTrue(names.contains("agent.run"), names.toString());
            assertTrue(names.stream().anyMatch(n -> n.contains("/runs")), names.toString());
        });
    }

    @Test
    void theBulkFeedPagesThroughChangesAndNeverMovesItsCursorPastOnesThatMayStillCommit() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("fed"));
        java.time.OffsetDateTime start = java.time.OffsetDateTime.now().minusSeconds(1);
        List<String> ids = java.util.stream.IntStream.range(0, 3).mapToObj(i -> given().contentType("application/json")
                .body("{\"message\":\"feed " + i + " " + token + "\"}").post("/runs")
                .then().statusCode(200).extract().<String>path("run_id")).toList();

        // A full page advances the cursor to its last change, so a backlog drains page by page.
        Response full = given().queryParam("updated_since", start.toString()).queryParam("limit", 1).get("/runs");
        full.then().statusCode(200).body("runs.size()", equalTo(1));
        assertEquals(full.jsonPath().getString("runs[0].updated_at"), full.jsonPath().getString("next_updated_since"));

        // A partial page stops the cursor a few seconds short of now: the next page overlaps.
        Response partial = given().queryParam("updated_since", start.toString()).queryParam("limit", 500).get("/runs");
        List<String> seen = partial.jsonPath().getList("runs.run_id");
        assertTrue(seen.containsAll(ids), seen.toString());
        java.time.OffsetDateTime next = java.time.OffsetDateTime.parse(partial.jsonPath().getString("next_updated_since"));
        assertTrue(!next.isAfter(java.time.OffsetDateTime.now().minusSeconds(4)), next.toString());

        given().queryParam("updated_since", "yesterday").get("/runs").then().statusCode(400)
                .body("detail", containsString("updated_since"));
        given().queryParam("limit", 0).get("/runs").then().statusCode(400).body("detail", containsString("limit"));
    }

    @Test
    void theFeedCursorMovesThroughMoreRunsSharingOneTimestampThanAPageHolds() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("grouped"));
        List<String> group = java.util.stream.IntStream.range(0, 5).mapToObj(i -> given().contentType("application/json")
                .body("{\"message\":\"group " + i + " " + token + "\"}").post("/runs")
                .then().statusCode(200).extract().<String>path("run_id")).toList();
        // Maya's inline evaluators grade each run after it ends and their scores move its updated_at (the feed hands
        // the run out again with them): let them land first, or one would move a run out of the shared timestamp.
        for (String runId : group) {
            await().atMost(Duration.ofSeconds(20)).until(() -> !given().get("/runs/" + runId).then().statusCode(200)
                    .extract().jsonPath().getList("evaluations").isEmpty());
        }
        // As one sweep or claim batch would leave them: one updated_at for all, long before any other run here.
        java.time.OffsetDateTime shared = java.time.OffsetDateTime.parse("2001-02-03T04:05:06.123456Z");
        database.pool().preparedQuery("UPDATE public.runs SET updated_at = $1 WHERE id = ANY($2)")
                .execute(io.vertx.sqlclient.Tuple.of(shared).addArrayOfString(group.toArray(String[]::new)))
                .toCompletionStage().toCompletableFuture().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();

        List<String> seen = new java.util.ArrayList<>();
        Response page = given().queryParam("updated_since", shared.toString()).queryParam("limit", 2).get("/runs");
        for (int i = 0; i < 10 && seen.size() < group.size(); i++) {
            page.then().statusCode(200);
            List<String> runIds = page.jsonPath().getList("runs.run_id");
            runIds.stream().filter(group::contains).forEach(seen::add);
            page = given().queryParam("cursor", page.jsonPath().getString("next_cursor")).queryParam("limit", 2)
                    .get("/runs");
        }

        assertEquals(group.size(), seen.size(), seen.toString());
        assertEquals(java.util.Set.copyOf(group), java.util.Set.copyOf(seen), "every run of the group exactly once");
        given().queryParam("cursor", "not a cursor").get("/runs").then().statusCode(400)
                .contentType(containsString("application/problem+json")).body("detail", containsString("'cursor'"));
        given().queryParam("cursor", java.util.Base64.getUrlEncoder().encodeToString("yesterday|run_x".getBytes()))
                .get("/runs").then().statusCode(400).body("detail", containsString("'cursor'"));
        given().queryParam("cursor", page.jsonPath().getString("next_cursor")).queryParam("updated_since", shared.toString())
                .get("/runs").then().statusCode(400).body("detail", containsString("not both"));
    }

    @Test
    void keylessDevModeRefusesCallersThatCameThroughAProxy() {
        // The TCP peer is loopback here, but a proxy header says someone else sent it.
        for (String header : List.of("X-Forwarded-For", "Forwarded")) {
            given().header(header, header.equals("Forwarded") ? "for=203.0.113.9" : "203.0.113.9").get("/runs/run_x")
                    .then().statusCode(401).contentType(containsString("application/problem+json"))
                    .body("detail", containsString("HARNESS_API_KEYS"));
        }
    }

    @Test
    void unknownRunsAndSessionsAre404Problems() {
        given().get("/runs/run_doesnotexist").then().statusCode(404)
                .contentType(containsString("application/problem+json"))
                .body("detail", containsString("run_doesnotexist"));
        given().get("/sessions/nope").then().statusCode(404);
        given().get("/runs/run_doesnotexist/trace").then().statusCode(404);
    }
}
