package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WithFakeModel;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run's OpenTelemetry spans end to end: HTTP → run → FAKE model → completion, spans taken from Quarkus's own
 * tracer provider by the in-memory exporter bean.
 */
@QuarkusTest
@TestProfile(WithFakeModel.class)
class RunSpansTest {

    private static final AttributeKey<String> RUN_ID = AttributeKey.stringKey("run_id");
    private static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("session.id");

    @Inject
    InMemorySpanExporter exported;

    FakeModelServer model;
    ConversationRouter router;

    @BeforeEach
    void routeConversations() {
        model = FakeModelResource.server();
        router = ConversationRouter.installOn(model);
    }

    private record Run(String runId, String traceId, String sessionId, List<SpanData> spans) {

        SpanData named(String name) {
            List<SpanData> matching = spans.stream().filter(span -> span.getName().equals(name)).toList();
            assertEquals(1, matching.size(), name + " in " + names());
            return matching.getFirst();
        }

        List<SpanData> startingWith(String prefix) {
            return spans.stream().filter(span -> span.getName().startsWith(prefix)).toList();
        }

        List<String> names() {
            return spans.stream().map(SpanData::getName).toList();
        }
    }

    /** Submits a run and waits until its root span is exported (the tree is ended before it). */
    private Run run(String body) {
        Response response = given().contentType("application/json").body(body).post("/runs");
        response.then().statusCode(200);
        String runId = response.jsonPath().getString("run_id");
        String traceId = response.jsonPath().getString("trace_id");
        String sessionId = response.jsonPath().getString("session_id");
        await().atMost(Duration.ofSeconds(20)).until(() -> exported.getFinishedSpanItems().stream()
                .anyMatch(span -> span.getName().equals("agent.run") && runId.equals(span.getAttributes().get(RUN_ID))));
        List<SpanData> spans = exported.getFinishedSpanItems().stream()
                .filter(span -> span.getTraceId().equals(traceId)).toList();
        return new Run(runId, traceId, sessionId, spans);
    }

    private static String attribute(SpanData span, String key) {
        Object value = span.getAttributes().asMap().entrySet().stream()
                .filter(entry -> entry.getKey().getKey().equals(key)).map(java.util.Map.Entry::getValue)
                .findFirst().orElse(null);
        return value == null ? null : value.toString();
    }

    @Test
    void mayasRunIsOneTreeWhoseSpansAllCarryTheRunAndWhoseIdsTheStoredTraceNames() {
        String token = ConversationRouter.token();
        router.route(token, FakeModelServer.mayaDemo());

        Run run = run("{\"message\":\"Hi, ACME-1002 here (" + token + "): our status emails stopped arriving.\","
                + "\"save_artifact\":true}");

        SpanData root = run.named("agent.run");
        SpanData maya = run.named("invoke_agent maya");
        List<SpanData> chats = run.startingWith("chat ");
        List<SpanData> tools = run.startingWith("execute_tool ");
        List<SpanData> guardrails = run.startingWith("guardrail ");
        assertEquals(3, chats.size(), run.names().toString());
        assertEquals(List.of("execute_tool lookup_account", "execute_tool draft_reply"),
                tools.stream().map(SpanData::getName).toList());
        assertFalse(guardrails.isEmpty(), run.names().toString());

        assertEquals(root.getSpanId(), maya.getParentSpanId());
        List<SpanData> steps = new ArrayList<>(chats);
        steps.addAll(tools);
        steps.addAll(guardrails);
        steps.forEach(step -> assertEquals(maya.getSpanId(), step.getParentSpanId(), step.getName()));

        assertEquals("CHAIN", attribute(root, "openinference.span.kind"));
        assertEquals("succeeded", attribute(root, "status"));
        assertEquals(run.sessionId(), attribute(root, "gen_ai.conversation.id"));
        assertEquals("invoke_agent", attribute(maya, "gen_ai.operation.name"));
        assertEquals("maya", attribute(maya, "gen_ai.agent.name"));
        assertEquals("AGENT", attribute(maya, "openinference.span.kind"));
        SpanData chat = chats.getFirst();
        assertEquals(SpanKind.CLIENT, chat.getKind());
        assertEquals("chat gpt-5.4-mini", chat.getName());
        assertEquals("openai", attribute(chat, "gen_ai.provider.name"));
        assertEquals("gpt-5.4-mini", attribute(chat, "gen_ai.request.model"));
        assertEquals("gpt-5.4-mini", attribute(chat, "gen_ai.response.model"), "the fake echoes the model");
        assertTrue(attribute(chat, "gen_ai.response.id").startsWith("resp"), attribute(chat, "gen_ai.response.id"));
        assertEquals("[tool_call]", attribute(chat, "gen_ai.response.finish_reasons"));
        assertEquals("[stop]", attribute(chats.getLast(), "gen_ai.response.finish_reasons"));
        assertTrue(Long.parseLong(attribute(chat, "gen_ai.usage.input_tokens")) > 0);
        assertEquals("0", attribute(chat, "gen_ai.usage.cache_read.input_tokens"), "the fake reports 0 cached");
        assertEquals("0", attribute(chat, "gen_ai.usage.reasoning.output_tokens"));
        assertEquals("LLM", attribute(chat, "openinference.span.kind"));
        assertEquals(attribute(chat, "gen_ai.usage.input_tokens"), attribute(chat, "llm.token_count.prompt"));
        SpanData lookup = tools.getFirst();
        assertEquals("lookup_account", attribute(lookup, "gen_ai.tool.name"));
        assertEquals("function", attribute(lookup, "gen_ai.tool.type"));
        assertTrue(attribute(lookup, "gen_ai.tool.call.id").startsWith("call"), attribute(lookup, "gen_ai.tool.call.id"));
        assertEquals("TOOL", attribute(lookup, "openinference.span.kind"));
        assertEquals("GUARDRAIL", attribute(guardrails.getFirst(), "openinference.span.kind"));

        // Every span under the root — ours and those the database and HTTP clients start while the run executes.
        // (The request that submitted the run, and its statements, came before the run and sit beside it.)
        Set<String> inRun = new HashSet<>(Set.of(root.getSpanId()));
        for (boolean grew = true; grew; ) {
            grew = run.spans().stream().filter(span -> inRun.contains(span.getParentSpanId()))
                    .map(span -> inRun.add(span.getSpanId())).reduce(false, Boolean::logicalOr);
        }
        List<SpanData> underRoot = run.spans().stream().filter(span -> inRun.contains(span.getSpanId())).toList();
        // Live spans of the work outside the journal: the journal appends, the completion, the reply's artifact.
        List<String> live = underRoot.stream().map(SpanData::getName).toList();
        assertTrue(live.contains("INSERT public.run_steps"), live.toString());
        assertTrue(live.contains("UPDATE public.runs"), live.toString());
        assertTrue(live.contains("storage put"), live.toString());
        SpanData completion = run.named("UPDATE public.runs");
        assertEquals("postgresql", attribute(completion, "db.system.name"));
        assertEquals("UPDATE", attribute(completion, "db.operation.name"));
        assertEquals("public.runs", attribute(completion, "db.collection.name"));
        assertEquals("outputs", attribute(run.named("storage put"), "storage.key_prefix"));
        for (SpanData span : underRoot) {
            assertEquals(run.runId(), span.getAttributes().get(RUN_ID), span.getName());
            assertEquals(run.sessionId(), span.getAttributes().get(SESSION_ID), span.getName());
        }
        for (SpanData span : run.spans()) {
            for (String payload : List.of("input.value", "output.value", "gen_ai.tool.call.arguments",
                    "gen_ai.tool.call.result")) {
                assertNull(attribute(span, payload), payload + " on " + span.getName() + " without content capture");
            }
            String everything = span.getAttributes() + " " + span.getStatus();
            assertFalse(everything.contains(FakeModelResource.TEST_MODEL_KEY), span.getName());
            assertFalse(everything.toLowerCase().contains("signature"), span.getName());
        }

        // GET /runs/{id}/trace names the exported spans: its steps' ids, their parents the agent's or the root's.
        JsonNode stored = given().get("/runs/" + run.runId() + "/trace").then().statusCode(200)
                .extract().as(JsonNode.class);
        assertEquals(run.traceId(), stored.path("trace_id").asText());
        Set<String> storedIds = new HashSet<>();
        for (JsonNode span : stored.path("spans")) {
            storedIds.add(span.path("span_id").asText());
            String parent = span.path("parent_span_id").asText();
            assertTrue(parent.equals(root.getSpanId()) || parent.equals(maya.getSpanId()), span.toString());
        }
        Set<String> exportedIds = new HashSet<>();
        run.spans().stream().filter(span -> span.getName().startsWith("invoke_agent ")
                        || span.getName().startsWith("chat ") || span.getName().startsWith("execute_tool ")
                        || span.getName().startsWith("guardrail "))
                .forEach(span -> exportedIds.add(span.getSpanId()));
        assertEquals(exportedIds, storedIds);
    }

    @Test
    void aHandoffRunHasTwoAgentSegments() {
        String token = ConversationRouter.token();
        router.route(token, request -> request.toolNames().contains("transfer_to_billing")
                ? Reply.functionCall("transfer_to_billing", "{}")
                : Reply.message("billing here"));

        Run run = run("{\"message\":\"refund " + token + "\"}");

        SpanData root = run.named("agent.run");
        SpanData maya = run.named("invoke_agent maya");
        SpanData billing = run.named("invoke_agent billing");
        assertEquals(root.getSpanId(), maya.getParentSpanId());
        assertEquals(root.getSpanId(), billing.getParentSpanId());
        SpanData handoff = run.named("handoff to billing");
        assertEquals(maya.getSpanId(), handoff.getParentSpanId());
        assertEquals("maya", attribute(billing, "graph.node.parent_id"));
        assertEquals(List.of(maya.getSpanId(), billing.getSpanId()),
                run.startingWith("chat ").stream().map(SpanData::getParentSpanId).toList());
    }

    @Test
    void aFailedModelCallIsAnErrorChatSpanInAnErrorRun() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.error(500, "upstream exploded"));

        Run run = run("{\"message\":\"boom " + token + "\"}");

        SpanData chat = run.named("chat gpt-5.4-mini");
        assertEquals(StatusCode.ERROR, chat.getStatus().getStatusCode());
        assertEquals("unavailable", attribute(chat, "error.type"));
        SpanData root = run.named("agent.run");
        assertEquals(StatusCode.ERROR, root.getStatus().getStatusCode());
        assertEquals("ModelUnavailable", attribute(root, "error.type"));
        assertEquals(root.getSpanId(), run.named("run.failed").getParentSpanId());
    }
}
