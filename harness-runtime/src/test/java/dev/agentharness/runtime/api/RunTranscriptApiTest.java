package dev.agentharness.runtime.api;

import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WithApiKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.agentharness.runtime.testing.WithApiKeys.ALICE_KEY_1;
import static dev.agentharness.runtime.testing.WithApiKeys.BOB_KEY;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /runs/{id}/transcript}: a real run on the FAKE model (a tool call with arguments, a handoff, a guardrail
 * trip) read back from its journal; the owner's only, signed links redacted.
 */
@QuarkusTest
@TestProfile(WithApiKeys.class)
class RunTranscriptApiTest {

    private ConversationRouter router;

    @BeforeEach
    void routeConversations() {
        router = ConversationRouter.installOn(FakeModelResource.server());
    }

    @Test
    void aRunsTranscriptHasItsToolCallsHandoffAndReplyAndOnlyItsOwnerReadsIt() {
        String token = ConversationRouter.token();
        router.route(token, request -> switch (request.functionCallOutputs().size()) {
            case 0 -> Reply.functionCall("lookup_account", "{\"account_id\":\"ACME-1001\"}");
            case 1 -> Reply.functionCall("transfer_to_billing", "{}");
            default -> Reply.message("Refund issued, invoice: https://files.example/inv.pdf?X-Amz-Signature=abc123");
        });
        String runId = given().auth().oauth2(ALICE_KEY_1).contentType("application/json")
                .body("{\"message\":\"refund please, account ACME-1001 " + token + "\"}").post("/runs")
                .then().statusCode(200).extract().path("run_id");

        JsonPath transcript = given().auth().oauth2(ALICE_KEY_1).get("/runs/" + runId + "/transcript")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(runId, transcript.getString("run_id"));
        assertEquals("maya", transcript.getString("agent"));
        assertEquals("succeeded", transcript.getString("status"));
        assertTrue(transcript.getString("input").contains(token));
        assertEquals("Refund issued, invoice: https://files.example/inv.pdf?[redacted]", transcript.getString("reply"),
                "a signed link's query never leaves the harness");
        List<Map<String, Object>> calls = transcript.getList("tool_calls");
        assertEquals(1, calls.size(), "the handoff is not a tool call: " + calls);
        assertEquals("lookup_account", calls.getFirst().get("name"));
        assertEquals("maya", calls.getFirst().get("agent"));
        assertEquals(Map.of("account_id", "ACME-1001"), calls.getFirst().get("arguments"));
        assertTrue(((String) calls.getFirst().get("output")).contains("ACME-1001"), "the tool's output: " + calls);
        assertEquals(Boolean.TRUE, calls.getFirst().get("ran"));
        assertEquals(List.of(Map.of("from", "maya", "to", "billing")), transcript.getList("handoffs"));
        assertTrue(transcript.getList("guardrails").contains(Map.of("name", "no_card_numbers", "stage", "input",
                "tripped", false)), "the input guardrail was checked: " + transcript.getList("guardrails"));
        assertEquals(3, transcript.getInt("turns"));
        assertTrue(transcript.getLong("usage.input_tokens") > 0);
        assertNotNull(transcript.getString("trace_id"));
        assertNotNull(transcript.get("latency_ms"));
        assertNotNull(transcript.getString("completed_at"));

        given().auth().oauth2(BOB_KEY).get("/runs/" + runId + "/transcript")
                .then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(ALICE_KEY_1).get("/runs/no-such-run/transcript").then().statusCode(404);
        given().get("/runs/" + runId + "/transcript").then().statusCode(401);
    }

    @Test
    void aTrippedInputGuardrailIsInTheTranscriptWithTheRunsReason() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("never asked"));
        String runId = given().auth().oauth2(ALICE_KEY_1).contentType("application/json")
                .body("{\"message\":\"charge 4111 1111 1111 1111 " + token + "\"}").post("/runs")
                .then().extract().path("run_id");

        JsonPath transcript = given().auth().oauth2(ALICE_KEY_1).get("/runs/" + runId + "/transcript")
                .then().statusCode(200).extract().jsonPath();
        assertEquals("failed", transcript.getString("status"));
        assertTrue(transcript.getString("reason").startsWith("InputGuardrailTripwire"), transcript.getString("reason"));
        assertEquals(List.of(Map.of("name", "no_card_numbers", "stage", "input", "tripped", true)),
                transcript.getList("guardrails"));
        assertTrue(transcript.getList("tool_calls").isEmpty());
        assertTrue(transcript.getList("handoffs").isEmpty());
        assertFalse(transcript.getString("reply") != null && !transcript.getString("reply").isEmpty());
    }
}
