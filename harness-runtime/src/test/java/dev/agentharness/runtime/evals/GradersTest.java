package dev.agentharness.runtime.evals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.api.RunStatus;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.api.Usage;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every deterministic grader passes and fails with an explanation that says what was expected and found. */
class GradersTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Graders graders = Graders.withoutJudge();

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private Score grade(String kind, String config, RunTranscript run) throws GraderConfigException {
        Grader grader = graders.parse(kind, json(config), "expect." + kind);
        assertEquals(kind, grader.kind());
        assertEquals(kind, grader.name());
        Score score = grader.grade(run);
        assertEquals(kind, score.evaluator());
        return score;
    }

    private static void passes(Score score, String explanation) {
        assertTrue(score.passed(), score.explanation());
        assertEquals(1.0, score.value());
        assertEquals("pass", score.label());
        assertEquals(explanation, score.explanation());
    }

    private static void fails(Score score, String explanation) {
        assertFalse(score.passed(), score.explanation());
        assertEquals(0.0, score.value());
        assertEquals("fail", score.label());
        assertEquals(explanation, score.explanation());
    }

    @Test
    void status() throws Exception {
        passes(grade("status", "\"succeeded\"", Transcripts.run().build()), "status succeeded");
        fails(grade("status", "\"succeeded\"", Transcripts.run().failed("MaxTurnsExceeded").build()),
                "expected status succeeded; found failed (reason MaxTurnsExceeded)");
    }

    @Test
    void reason() throws Exception {
        RunTranscript tripped = Transcripts.run().failed("InputGuardrailTripwire").build();
        passes(grade("reason", "\"InputGuardrailTripwire\"", tripped), "reason InputGuardrailTripwire");
        fails(grade("reason", "\"InputGuardrailTripwire\"", Transcripts.run().build()),
                "expected reason InputGuardrailTripwire; found none (status succeeded)");
    }

    @Test
    void tools_called_by_name_and_with_argument_matchers() throws Exception {
        RunTranscript run = Transcripts.run()
                .call("draft_reply", Map.of("text", "Sorry about that"))
                .call("billing", "lookup_account", Map.of("account_id", "ACME-1001", "verbose", true), "{}")
                .build();
        passes(grade("tools_called", "[\"draft_reply\", {\"name\": \"lookup_account\", \"agent\": \"billing\", "
                        + "\"arguments\": {\"account_id\": \"ACME-1001\"}}]", run),
                "called draft_reply; lookup_account with account_id=\"ACME-1001\" by billing");
        String calls = "calls: draft_reply({\"text\":\"Sorry about that\"}), lookup_account("
                + JSON.valueToTree(run.toolCalls().get(1).arguments()) + ")";
        fails(grade("tools_called", "[{\"name\": \"lookup_account\", \"arguments\": {\"account_id\": \"ACME-2002\"}}]", run),
                "expected a call to lookup_account with account_id=\"ACME-2002\"; " + calls);
        fails(grade("tools_called", "[{\"name\": \"lookup_account\", \"arguments\": {\"account_id\": {\"$contains\": \"acme\"}, "
                        + "\"verbose\": {\"$exists\": false}}}]", run),
                "expected a call to lookup_account with account_id=containing \"acme\", verbose=absent; " + calls);
        fails(grade("tools_called", "[{\"name\": \"lookup_account\", \"agent\": \"maya\"}]", run),
                "expected a call to lookup_account by maya; calls: draft_reply({\"text\":\"Sorry about that\"}), lookup_account("
                        + JSON.valueToTree(run.toolCalls().get(1).arguments()) + ")");
        fails(grade("tools_called", "[\"refund\"]", Transcripts.run().build()), "expected a call to refund; no tool calls");
    }

    @Test
    void tools_not_called() throws Exception {
        RunTranscript run = Transcripts.run().call("refund", Map.of("amount", 120)).build();
        passes(grade("tools_not_called", "[\"delete_account\", {\"name\": \"refund\", \"arguments\": {\"amount\": {\"$exists\": false}}}]", run),
                "no call to delete_account or refund with amount=absent");
        fails(grade("tools_not_called", "[{\"name\": \"refund\", \"arguments\": {\"amount\": 120.0}}]", run),
                "expected no call to refund with amount=120.0: refund({\"amount\":120})");
    }

    @Test
    void handoff() throws Exception {
        RunTranscript handedOff = Transcripts.run().handoff("maya", "billing").build();
        passes(grade("handoff", "\"billing\"", handedOff), "handed off to billing");
        fails(grade("handoff", "\"billing\"", Transcripts.run().build()), "expected a handoff to billing; found no handoff");
        passes(grade("handoff", "\"none\"", Transcripts.run().build()), "no handoff");
        fails(grade("handoff", "\"none\"", handedOff), "expected no handoff; found handoffs to billing");
    }

    @Test
    void reply_contains_is_case_insensitive() throws Exception {
        passes(grade("reply_contains", "[\"REFUNDED\", \"acme-1001\"]", Transcripts.run().build()),
                "the reply contains \"REFUNDED\", \"acme-1001\"");
        fails(grade("reply_contains", "\"apolog\"", Transcripts.run().reply("Done.").build()),
                "expected the reply to contain \"apolog\"; reply: \"Done.\"");
    }

    @Test
    void reply_not_contains() throws Exception {
        passes(grade("reply_not_contains", "\"password\"", Transcripts.run().build()),
                "the reply contains none of \"password\"");
        fails(grade("reply_not_contains", "[\"password\", \"DUPLICATE\"]", Transcripts.run().reply("It is a duplicate.").build()),
                "expected the reply not to contain \"DUPLICATE\"; reply: \"It is a duplicate.\"");
    }

    @Test
    void reply_regex() throws Exception {
        passes(grade("reply_regex", "\"ACME-\\\\d{4}\"", Transcripts.run().build()),
                "the reply matches /ACME-\\d{4}/ at \"ACME-1001\"");
        fails(grade("reply_regex", "\"^Hello\"", Transcripts.run().reply("Hi").build()),
                "expected a reply matching /^Hello/; reply: \"Hi\"");
    }

    @Test
    void reply_max_length_counts_characters() throws Exception {
        passes(grade("reply_max_length", "3", Transcripts.run().reply("héé").build()), "the reply has 3 characters ≤ 3");
        fails(grade("reply_max_length", "3", Transcripts.run().reply("four").build()),
                "expected a reply of at most 3 characters; found 4");
    }

    @Test
    void reply_graders_fail_a_run_without_a_reply() throws Exception {
        RunTranscript failed = Transcripts.run().failed("ModelUnavailable").build();
        String why = "the run produced no reply (status failed, reason ModelUnavailable)";
        fails(grade("reply_contains", "\"x\"", failed), "expected a reply containing \"x\"; " + why);
        fails(grade("reply_not_contains", "\"x\"", failed), "expected a reply without \"x\"; " + why);
        fails(grade("reply_regex", "\"x\"", failed), "expected a reply matching /x/; " + why);
        fails(grade("reply_json", "{\"$.a\": 1}", failed), "expected a JSON reply; " + why);
        fails(grade("reply_max_length", "10", failed), "expected a reply of at most 10 characters; " + why);
    }

    @Test
    void reply_json_with_paths_and_matchers() throws Exception {
        RunTranscript run = Transcripts.run().reply("```json\n{\"total\": 12.50, \"items\": [{\"sku\": \"A-1\"}], "
                + "\"customer\": {\"id\": \"ACME-1001\", \"tier\": \"gold\"}, \"note\": null}\n```").build();
        passes(grade("reply_json", "{\"$.total\": 12.5, \"$.items[0].sku\": {\"$regex\": \"^A-\\\\d$\"}, "
                        + "\"$.customer\": {\"tier\": {\"$contains\": \"GOL\"}}, \"$.missing\": {\"$exists\": false}, "
                        + "\"$.note\": null}", run),
                "$.customer = {\"id\":\"ACME-1001\",\"tier\":\"gold\"}; $.items[0].sku = \"A-1\"; $.missing = absent; "
                        + "$.note = null; $.total = 12.5");
        fails(grade("reply_json", "{\"$.total\": 13, \"$.customer.id\": {\"$exists\": false}}", run),
                "$.customer.id: expected absent; found \"ACME-1001\"; $.total: expected 13; found 12.5");
        fails(grade("reply_json", "{\"$.a\": 1}", Transcripts.run().reply("not json").build()),
                "expected a JSON reply; the reply is not JSON: \"not json\"");
    }

    @Test
    void reply_json_filters_run_on_jackson_without_json_smart() throws Exception {
        RunTranscript run = Transcripts.run().reply("{\"items\": [{\"sku\": \"A-1\", \"tags\": [\"x\"]}, {\"sku\": \"B-2\", \"tags\": []}]}").build();
        passes(grade("reply_json", "{\"$.items[?(@.sku == 'B-2')].sku\": [\"B-2\"], \"$.items[?(@.tags[0] == 'x')].sku\": [\"A-1\"], "
                        + "\"$.items.length()\": 2, \"$..sku\": [\"A-1\", \"B-2\"]}", run),
                "$..sku = [\"A-1\",\"B-2\"]; $.items.length() = 2; $.items[?(@.sku == 'B-2')].sku = [\"B-2\"]; "
                        + "$.items[?(@.tags[0] == 'x')].sku = [\"A-1\"]");
        for (int attempt = 0; attempt < 2; attempt++) {
            assertConfigError("reply_json", "{\"$.items[?(@.tags == ['x'])]\": {\"$exists\": true}}",
                    "expect.reply_json[\"$.items[?(@.tags == ['x'])]\"]", "array and object literals inside JsonPath "
                            + "filters are not supported; compare single values (e.g. [?(@.tags[0] == 'x')])");
        }
    }

    @Test
    void max_cost_usd() throws Exception {
        passes(grade("max_cost_usd", "0.01", Transcripts.run().build()), "cost $0.0042 ≤ $0.01");
        fails(grade("max_cost_usd", "0.001", Transcripts.run().build()), "expected a cost of at most $0.001; found $0.0042");
        fails(grade("max_cost_usd", "0.001", Transcripts.run().usage(null).build()),
                "expected a cost of at most $0.001; the run's cost is unknown (no usage recorded)");
        passes(grade("max_cost_usd", "1", Transcripts.run().usage(Usage.ZERO).build()), "cost $0 ≤ $1");
    }

    @Test
    void max_turns() throws Exception {
        passes(grade("max_turns", "2", Transcripts.run().build()), "2 turns ≤ 2");
        fails(grade("max_turns", "1", Transcripts.run().build()), "expected at most 1 turns; found 2");
    }

    @Test
    void max_latency_ms() throws Exception {
        passes(grade("max_latency_ms", "2000", Transcripts.run().build()), "latency 1200 ms ≤ 2000 ms");
        fails(grade("max_latency_ms", "1000", Transcripts.run().build()), "expected a latency of at most 1000 ms; found 1200 ms");
        fails(grade("max_latency_ms", "1000", Transcripts.run().latencyMs(null).build()),
                "expected a latency of at most 1000 ms; the run's latency is unknown (it has no recorded start and end)");
    }

    @Test
    void judge_without_a_judge_model_fails_saying_what_to_set() throws Exception {
        Score score = graders.parse("judge", json("{\"rubric\": \"be kind\"}"), "expect.judge").grade(Transcripts.run().build());
        assertFalse(score.passed());
        assertEquals("error", score.label());
        assertEquals("no judge model configured: set OPENAI_API_KEY (or AZURE_OPENAI_*)", score.explanation());
    }

    @Test
    void judge_passes_at_or_above_its_threshold() throws Exception {
        Graders withJudge = new Graders(JudgeProvider.of((rubric, run) -> Judge.Verdict.scored(0.7, "good", "kind enough")));
        Score atDefault = withJudge.parse("judge", json("{\"rubric\": \"be kind\"}"), "expect.judge").grade(Transcripts.run().build());
        assertTrue(atDefault.passed());
        assertEquals(0.7, atDefault.value());
        assertEquals("good", atDefault.label());
        assertEquals("score 0.70 ≥ threshold 0.70: kind enough", atDefault.explanation());
        Score strict = withJudge.parse("judge", json("{\"rubric\": \"be kind\", \"threshold\": 0.9}"), "expect.judge")
                .grade(Transcripts.run().build());
        assertFalse(strict.passed());
        assertEquals("score 0.70 < threshold 0.90: kind enough", strict.explanation());
        Graders undecided = new Graders(JudgeProvider.of((rubric, run) -> Judge.Verdict.undecided("the judge model failed: 503")));
        Score error = undecided.parse("judge", json("{\"rubric\": \"x\"}"), "expect.judge").grade(Transcripts.run().build());
        assertFalse(error.passed());
        assertEquals("the judge model failed: 503", error.explanation());
    }

    @Test
    void configuration_errors_name_the_field() {
        assertConfigError("status", "3", "expect.status", "must be a non-empty string");
        assertConfigError("tools_called", "\"lookup\"", "expect.tools_called",
                "must be a non-empty array of tool names or {name, arguments, agent}");
        assertConfigError("tools_called", "[{\"name\": \"x\", \"args\": {}}]", "expect.tools_called[0].args",
                "unknown field; known: agent, arguments, name");
        assertConfigError("tools_called", "[{\"arguments\": {}}]", "expect.tools_called[0].name", "required: the tool's name");
        assertConfigError("reply_contains", "[]", "expect.reply_contains", "must be a string or a non-empty array of strings");
        assertConfigError("reply_contains", "[\"a\", 1]", "expect.reply_contains[1]", "must be a non-empty string");
        assertConfigError("reply_regex", "\"[a\"", "expect.reply_regex",
                "invalid regular expression: Unclosed character class near index 1");
        assertConfigError("reply_json", "{\"$.[\": 1}", "expect.reply_json[\"$.[\"]",
                null);
        assertConfigError("reply_max_length", "0", "expect.reply_max_length", "must be a positive integer");
        assertConfigError("max_cost_usd", "0", "expect.max_cost_usd", "must be a positive number (US dollars)");
        assertConfigError("max_cost_usd", "-1.5", "expect.max_cost_usd", "must be a positive number (US dollars)");
        assertConfigError("max_turns", "2.5", "expect.max_turns", "must be a positive integer");
        assertConfigError("max_latency_ms", "-1", "expect.max_latency_ms", "must be a positive integer");
        assertConfigError("judge", "{\"threshold\": 0.5}", "expect.judge.rubric", "required: what the judge grades");
        assertConfigError("judge", "{\"rubric\": \"x\", \"model\": \"gpt\"}", "expect.judge.model", "unknown field; known: rubric, threshold");
        assertConfigError("judge", "{\"rubric\": \"x\", \"threshold\": -0.1}", "expect.judge.threshold", "must be a number from 0 to 1");
        assertConfigError("nope", "1", "expect.nope", "unknown grader 'nope'; known: " + String.join(", ", Graders.KINDS));
    }

    private void assertConfigError(String kind, String config, String field, String problem) {
        GraderConfigException e = assertThrows(GraderConfigException.class, () -> graders.parse(kind, json(config), "expect." + kind));
        assertEquals(field, e.field(), e.getMessage());
        if (problem != null) {
            assertEquals(problem, e.problem());
        }
        assertEquals(e.field() + ": " + e.problem(), e.getMessage());
    }

    @Test
    void an_inline_evaluator_is_named_by_its_declaration() throws Exception {
        InlineEvaluator evaluator = graders.parseEvaluator(
                json("{\"name\": \"no_refund_promises\", \"reply_not_contains\": [\"guarantee\"], \"sample\": 0.25}"), "evaluators[0]");
        assertEquals("no_refund_promises", evaluator.name());
        assertEquals(0.25, evaluator.sample());
        assertEquals("reply_not_contains", evaluator.grader().kind());
        assertEquals("no_refund_promises", evaluator.grader().name());
        assertEquals("no_refund_promises", evaluator.grader().grade(Transcripts.run().build()).evaluator());
        assertEquals(1.0, graders.parseEvaluator(json("{\"name\": \"ok\", \"status\": \"succeeded\"}"), "e").sample());
    }

    @Test
    void inline_evaluator_errors_name_the_field() {
        assertEvaluatorError("{\"status\": \"succeeded\"}", "evaluators[1].name", "required: a string matching [a-z][a-z0-9_-]*");
        assertEvaluatorError("{\"name\": \"Bad Name\", \"status\": \"succeeded\"}", "evaluators[1].name",
                "'Bad Name' must match [a-z][a-z0-9_-]*");
        assertEvaluatorError("{\"name\": \"x\"}", "evaluators[1]", "an evaluator needs one grader (one of: "
                + String.join(", ", Graders.KINDS) + ")");
        assertEvaluatorError("{\"name\": \"x\", \"status\": \"succeeded\", \"max_turns\": 3}", "evaluators[1]",
                "an evaluator has exactly one grader; found status and max_turns");
        assertEvaluatorError("{\"name\": \"x\", \"sttus\": \"succeeded\"}", "evaluators[1].sttus",
                "unknown grader 'sttus'; known: " + String.join(", ", Graders.KINDS));
        assertEvaluatorError("{\"name\": \"x\", \"status\": \"succeeded\", \"sample\": 2}", "evaluators[1].sample",
                "must be a number from 0 to 1");
        assertEvaluatorError("{\"name\": \"x\", \"max_turns\": \"3\"}", "evaluators[1].max_turns", "must be a positive integer");
        assertEvaluatorError("[]", "evaluators[1]", "must be an object {name, <grader kind>: <config>, sample}");
    }

    private void assertEvaluatorError(String declaration, String field, String problem) {
        GraderConfigException e = assertThrows(GraderConfigException.class,
                () -> graders.parseEvaluator(json(declaration), "evaluators[1]"));
        assertEquals(field, e.field(), e.getMessage());
        assertEquals(problem, e.problem());
    }

    @Test
    void status_values_are_the_final_ones() {
        assertConfigError("status", "\"running\"", "expect.status",
                "'running' is not a final status; known: succeeded, failed, timed_out, cancelled");
        for (RunStatus status : RunStatus.values()) {
            if (status.terminal()) {
                assertTrue(assertDoesNotThrowParse(status.wire()));
            }
        }
    }

    private boolean assertDoesNotThrowParse(String status) {
        try {
            graders.parse("status", json("\"" + status + "\""), "expect.status");
            return true;
        } catch (GraderConfigException e) {
            return false;
        }
    }
}
