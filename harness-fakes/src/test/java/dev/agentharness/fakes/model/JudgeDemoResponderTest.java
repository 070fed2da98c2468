package dev.agentharness.fakes.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The FAKE judge: the fraction of the rubric's quoted phrases found in the reply, as the judge's JSON answer. */
class JudgeDemoResponderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INSTRUCTIONS = "You are an evaluation judge.\nGrade the reply against the rubric.";
    private final DemoResponder demo = new DemoResponder();

    /** A judge request as the judge grader sends it: the wire shape in docs/evals.md. */
    private static RecordedRequest judgeRequest(String instructions, String rubric, String reply) {
        String message = "<rubric>\n" + rubric + "\n</rubric>\n<user>ACME-1002 was charged twice</user>\n"
                + "<tools>\nlookup_account({\"account_id\":\"ACME-1002\"}) -> {\"plan\":\"Starter\"}\n</tools>\n"
                + "<reply>" + reply + "</reply>";
        ObjectNode body = JSON.createObjectNode().put("model", "m").put("instructions", instructions);
        body.putArray("input").addObject().put("role", "user").put("content", message);
        // A judge call offers the lookup tool of no one: tools are absent, and must not be needed to recognise it.
        return new RecordedRequest("/v1/responses", Map.of(), body, Instant.now());
    }

    private static JsonNode verdict(Reply reply) throws Exception {
        Reply.Output output = assertInstanceOf(Reply.Output.class, reply);
        assertEquals(1, output.items().size());
        ObjectNode message = output.items().getFirst();
        assertEquals("message", message.path("type").asText());
        return JSON.readTree(message.at("/content/0/text").asText());
    }

    @Test
    void scoresTheFractionOfQuotedPhrasesTheReplyContainsIgnoringCase() throws Exception {
        JsonNode verdict = verdict(demo.reply(judgeRequest(INSTRUCTIONS,
                "The reply names the \"Starter\" plan, says the status is \"past_due\" and mentions the \"billing page\".",
                "You are on the starter plan, status PAST_DUE.")));

        assertEquals(2.0 / 3, verdict.path("score").asDouble(), 1e-9);
        assertEquals("poor", verdict.path("label").asText());
        assertTrue(verdict.path("explanation").asText().contains("missing: \"billing page\""),
                verdict.path("explanation").asText());
        assertFalse(verdict.path("explanation").asText().contains("Starter\""), "found phrases are not listed");
    }

    @Test
    void allPhrasesFoundIsAGoodOne() throws Exception {
        JsonNode verdict = verdict(demo.reply(judgeRequest(INSTRUCTIONS, "Mentions “Jonas” and \"past_due\".",
                "Hi Jonas, the account is past_due.")));

        assertEquals(1.0, verdict.path("score").asDouble());
        assertEquals("good", verdict.path("label").asText());
    }

    @Test
    void aRubricQuotingNothingScoresOne() throws Exception {
        JsonNode verdict = verdict(demo.reply(judgeRequest(INSTRUCTIONS, "Is polite and helpful.", "whatever")));

        assertEquals(1.0, verdict.path("score").asDouble());
        assertEquals("good", verdict.path("label").asText());
    }

    @Test
    void theThresholdForGoodIsSevenTenths() throws Exception {
        JsonNode verdict = verdict(demo.reply(judgeRequest(INSTRUCTIONS,
                "\"a\" \"b\" \"c\" \"d\" \"e\" \"f\" \"g\" \"h\" \"i\" \"zz\"", "a b c d e f g h i")));

        assertEquals(0.9, verdict.path("score").asDouble(), 1e-9);
        assertEquals("good", verdict.path("label").asText());
        assertEquals(0.7, JudgeDemoResponder.GOOD);
    }

    @Test
    void onlyRequestsWhoseInstructionsStartWithTheJudgeLineAreJudged() {
        assertTrue(JudgeDemoResponder.handles(judgeRequest(INSTRUCTIONS, "x", "y")));
        assertFalse(JudgeDemoResponder.handles(judgeRequest("You are Maya.\nYou are an evaluation judge.", "x", "y")));
        Reply notJudged = demo.reply(judgeRequest("You are Maya.", "\"x\"", "y"));
        String text = assertInstanceOf(Reply.Output.class, notJudged).items().getFirst().at("/content/0/text").asText();
        assertTrue(text.startsWith("Thanks, I got your message"), text);
    }
}
