package dev.agentharness.runtime.runs;

import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.state.EvalScores;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WithFakeModel;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inline evaluators end to end: a Maya run on the FAKE model finishes first (its answer carries no evaluations), then
 * Maya's built-in evaluators grade it from its journal; the scores are stored, shown by {@code GET /runs/{id}} and the
 * feed (the run's {@code updated_at} moved), counted, and emitted as {@code gen_ai.evaluation.result} events on a span
 * under the run's root. A failed run is not graded.
 */
@QuarkusTest
@TestProfile(WithFakeModel.class)
class InlineEvaluationApiTest {

    private static final AttributeKey<String> RUN_ID = AttributeKey.stringKey("run_id");

    @Inject
    InMemorySpanExporter exported;

    @Inject
    EvalScores scores;

    @Inject
    MeterRegistry registry;

    @Inject
    MetricsRefresh refresh;

    ConversationRouter router;

    @BeforeEach
    void routeConversations() {
        router = ConversationRouter.installOn(FakeModelResource.server());
    }

    @Test
    void aFinishedRunIsGradedByItsAgentsEvaluators_storedShownCountedAndOnItsTrace() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("We charged the card 4111 1111 1111 1111 on file, sorry."));
        JsonPath submitted = given().contentType("application/json")
                .body("{\"message\":\"why was I charged twice? " + token + "\"}").post("/runs")
                .then().statusCode(200).extract().jsonPath();
        String runId = submitted.getString("run_id");
        assertEquals("succeeded", submitted.getString("status"), "the run's result does not wait for its evaluators");
        assertEquals(List.of(), submitted.getList("evaluations"), "always present, empty until graded");

        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/runs/" + runId).then().extract().jsonPath()
                .getList("evaluations").size() == 3);
        JsonPath run = given().get("/runs/" + runId).then().statusCode(200).extract().jsonPath();
        assertEquals("succeeded", run.getString("status"), "grading never changes the run");
        List<Map<String, Object>> evaluations = run.getList("evaluations");
        assertEquals(List.of("no_card_number", "reply_length", "turns"),
                evaluations.stream().map(e -> e.get("name")).toList(), "by name");
        Map<String, Object> cards = evaluations.getFirst();
        assertEquals(false, cards.get("passed"));
        assertEquals("fail", cards.get("label"));
        assertEquals(0f, ((Number) cards.get("score")).floatValue());
        assertEquals("inline", cards.get("source"));
        assertNotNull(cards.get("evaluated_at"));
        assertTrue(((String) cards.get("explanation")).length() > 0);
        assertEquals(true, evaluations.get(1).get("passed"));
        assertEquals(true, evaluations.get(2).get("passed"));

        // Stored with the run's principal and agent and the grader's kind.
        EvalScores.StoredScore stored = scores.forRun(runId).getFirst();
        assertEquals("maya", stored.agent());
        assertEquals("reply_regex", stored.kind());
        assertNotNull(stored.principal());

        // The feed hands the run out again with its evaluations: its updated_at moved past its completion.
        java.time.OffsetDateTime completedAt = java.time.OffsetDateTime.parse(run.getString("completed_at"));
        java.time.OffsetDateTime updatedAt = java.time.OffsetDateTime.parse(run.getString("updated_at"));
        assertTrue(updatedAt.isAfter(completedAt), "updated_at moved with the scores: " + updatedAt + " vs " + completedAt);
        List<String> changed = given().queryParam("updated_since", updatedAt.toString()).get("/runs").then()
                .statusCode(200).extract().jsonPath().getList("runs.run_id");
        assertTrue(changed.contains(runId), "the feed carries the graded run: " + changed);

        // Counted, and the gauges read the last 24 h.
        await().until(() -> counter("no_card_number", "failed") >= 1);
        refresh.refreshEvalScores();
        Double score = Optional.ofNullable(registry.find("agentharness.eval.score").tag("agent", "maya")
                .tag("evaluator", "no_card_number").gauge()).map(g -> g.value()).orElse(null);
        assertNotNull(score);
        assertTrue(score < 1, "this run's failed score is in the average: " + score);

        // On the run's trace: one evaluation span under its root, one event per evaluator.
        await().atMost(Duration.ofSeconds(20)).until(() -> evaluationSpan(runId).isPresent());
        SpanData evaluation = evaluationSpan(runId).orElseThrow();
        SpanData root = exported.getFinishedSpanItems().stream().filter(span -> span.getName().equals("agent.run")
                && runId.equals(span.getAttributes().get(RUN_ID))).findFirst().orElseThrow();
        assertEquals(root.getTraceId(), evaluation.getTraceId());
        assertEquals(root.getSpanId(), evaluation.getParentSpanId());
        assertEquals(submitted.getString("trace_id"), evaluation.getTraceId());
        List<EventData> events = evaluation.getEvents();
        assertEquals(List.of("reply_length", "no_card_number", "turns"), events.stream()
                .map(e -> e.getAttributes().get(AttributeKey.stringKey("gen_ai.evaluation.name"))).toList());
        events.forEach(e -> assertEquals("gen_ai.evaluation.result", e.getName()));
        EventData failed = events.get(1);
        assertEquals(0.0, failed.getAttributes().get(AttributeKey.doubleKey("gen_ai.evaluation.score.value")));
        assertEquals("fail", failed.getAttributes().get(AttributeKey.stringKey("gen_ai.evaluation.score.label")));
        assertNull(failed.getAttributes().get(AttributeKey.stringKey("gen_ai.evaluation.explanation")),
                "content capture is off");
    }

    @Test
    void aRunThatFailedIsNotGraded() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("never asked"));
        String runId = given().contentType("application/json")
                .body("{\"message\":\"charge 4111 1111 1111 1111 " + token + "\"}").post("/runs")
                .then().extract().path("run_id");
        JsonPath run = given().get("/runs/" + runId).then().statusCode(200).extract().jsonPath();
        assertEquals("failed", run.getString("status"));
        assertEquals(List.of(), run.getList("evaluations"));
        assertEquals(List.of(), scores.forRun(runId));
    }

    private Optional<SpanData> evaluationSpan(String runId) {
        return exported.getFinishedSpanItems().stream().filter(span -> span.getName().equals("evaluation maya")
                && runId.equals(span.getAttributes().get(RUN_ID))).findFirst();
    }

    private double counter(String evaluator, String result) {
        var counter = registry.find("agentharness.evaluations").tag("agent", "maya").tag("evaluator", evaluator)
                .tag("result", result).counter();
        return counter == null ? 0 : counter.count();
    }
}
