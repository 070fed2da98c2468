package dev.agentharness.runtime.evals;

import dev.agentharness.api.RunTranscript;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.RecordedRequest;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.model.ModelConfig;
import dev.agentharness.runtime.model.ModelSettings;
import dev.agentharness.runtime.model.ResponsesApiClient;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The judge through the real model client against the FAKE Responses API server, with scripted judge answers. */
class ModelJudgeTest {

    private static final String KEY = "sk-test-JUDGE-SECRET";
    private static Vertx vertx;
    private FakeModelServer fake;
    private ResponsesApiClient client;
    private Judge judge;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @BeforeEach
    void start() {
        fake = new FakeModelServer().start(0);
        client = new ResponsesApiClient(ModelConfig.openAi(KEY, fake.baseUrl(), "gpt-default", 0, Duration.ofSeconds(10)), vertx);
        judge = new ModelJudge(client, "gpt-judge", null);
    }

    @AfterEach
    void stop() {
        client.close();
        fake.close();
    }

    private static RunTranscript run() {
        return Transcripts.run().input("Why was ACME-1001 charged twice?")
                .call("maya", "lookup_account", Map.of("account_id", "ACME-1001"), "{\"plan\":\"pro\"}")
                .reply("Sorry! The duplicate charge will be refunded.").build();
    }

    @Test
    void sends_the_agreed_wire_shape_and_reads_a_plain_json_answer() {
        fake.enqueue(Reply.message("{\"score\": 0.8, \"label\": \"good\", \"explanation\": \"Apologises and explains.\"}"));

        Judge.Verdict verdict = judge.judge("The reply \"apologises\" and mentions a \"refund\".", run());

        assertEquals(Judge.Verdict.scored(0.8, "good", "Apologises and explains."), verdict);
        RecordedRequest sent = fake.requests().getFirst();
        assertEquals("gpt-judge", sent.model());
        assertTrue(sent.instructions().startsWith("You are an evaluation judge.\n"), sent.instructions());
        assertEquals(1, sent.inputItems().size());
        assertEquals("""
                <rubric>
                The reply "apologises" and mentions a "refund".
                </rubric>
                <user>Why was ACME-1001 charged twice?</user>
                <tools>
                lookup_account({"account_id":"ACME-1001"}) -> {"plan":"pro"}
                </tools>
                <reply>Sorry! The duplicate charge will be refunded.</reply>""", sent.latestUserMessage());
        assertFalse(sent.body().has("temperature"), "no temperature unless the settings ask for one");
        assertTrue(sent.tools().isEmpty());
    }

    @Test
    void a_fenced_answer_is_read() {
        fake.enqueue(Reply.message("```json\n{\"score\": 0.5, \"label\": \"poor\", \"explanation\": \"Missing: \\\"refund\\\".\"}\n```"));

        Judge.Verdict verdict = judge.judge("x", run());

        assertEquals(Judge.Verdict.scored(0.5, "poor", "Missing: \"refund\"."), verdict);
    }

    @Test
    void a_malformed_answer_is_undecided_saying_why() {
        fake.enqueue(Reply.message("I think it is pretty good, 8/10."),
                Reply.message("{\"score\": 8, \"label\": \"good\"}"),
                Reply.message("{\"score\": 0.9, \"label\": [\"good\"]}"));

        Judge.Verdict prose = judge.judge("x", run());
        assertFalse(prose.decided());
        assertEquals("the judge's answer was not the expected JSON {\"score\", \"label\", \"explanation\"} (not a JSON "
                + "object): \"I think it is pretty good, 8/10.\"", prose.explanation());
        Judge.Verdict outOfRange = judge.judge("x", run());
        assertFalse(outOfRange.decided());
        assertTrue(outOfRange.explanation().contains("(\"score\" is not a number from 0 to 1)"), outOfRange.explanation());
        Judge.Verdict badLabel = judge.judge("x", run());
        assertFalse(badLabel.decided());
        assertTrue(badLabel.explanation().contains("(\"label\" is not a string)"), badLabel.explanation());
    }

    @Test
    void a_failed_model_call_is_undecided_and_the_grader_fails_without_the_key() throws Exception {
        fake.enqueue(new Reply.Failure(400, Map.of(), "{\"error\": {\"message\": \"bad request\", \"type\": "
                + "\"invalid_request_error\", \"param\": null, \"code\": null}}"));
        Graders graders = new Graders(JudgeProvider.of(judge));
        Grader grader = graders.parse("judge", new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree("{\"rubric\": \"x\"}"), "expect.judge");

        Score score = grader.grade(run());

        assertFalse(score.passed());
        assertEquals("error", score.label());
        assertTrue(score.explanation().startsWith("the judge model failed: "), score.explanation());
        assertFalse(score.explanation().contains(KEY));
    }

    @Test
    void the_judge_grader_passes_on_a_good_score() throws Exception {
        fake.enqueue(Reply.message("{\"score\": 1, \"label\": \"good\", \"explanation\": \"All phrases present.\"}"));
        Grader grader = new Graders(JudgeProvider.model(client, "gpt-judge", ModelSettings.DEFAULTS)).parse("judge",
                new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"rubric\": \"x\", \"threshold\": 0.9}"),
                "expect.judge");

        Score score = grader.grade(run());

        assertTrue(score.passed());
        assertEquals(1.0, score.value());
        assertEquals("good", score.label());
        assertEquals("score 1.00 ≥ threshold 0.90: All phrases present.", score.explanation());
    }

    @Test
    void settings_with_a_temperature_send_it() {
        fake.enqueue(Reply.message("{\"score\": 1, \"label\": \"good\", \"explanation\": \"ok\"}"));
        new ModelJudge(client, "gpt-judge", new ModelSettings(0.0, null, null, null)).judge("x", run());
        assertEquals(0.0, fake.requests().getFirst().body().path("temperature").asDouble(-1));
    }
}
