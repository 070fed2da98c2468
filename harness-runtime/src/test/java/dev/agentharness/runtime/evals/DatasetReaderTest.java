package dev.agentharness.runtime.evals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetReaderTest {

    private static final Path FILE = Path.of("evals/maya.jsonl");
    private final DatasetReader reader = new DatasetReader(Graders.withoutJudge());

    private List<String> errors(String text) {
        return assertThrows(DatasetException.class, () -> reader.parse(FILE, text)).errors();
    }

    @Test
    void reads_cases_skipping_blank_and_comment_lines() throws Exception {
        Dataset dataset = reader.parse(FILE, """
                # refunds
                {"id": "refund-1", "input": "Refund ACME-1001", "tags": ["billing"], "agent": "maya", "model": "gpt-x", \
                "history": ["hi"], "manifest": {"entries": {"notes.txt": {"type": "file", "content": "hi"}}}, "provenance": "bug 12", \
                "expect": {"status": "succeeded", "tools_called": ["lookup_account"], "reply_contains": "refund"}}

                   # indented comment
                {"id": "hello", "input": "hi", "expect": {"reply_contains": ["hello", "help"], "judge": {"rubric": "be nice"}}}
                """);

        assertEquals(2, dataset.cases().size());
        EvalCase first = dataset.cases().getFirst();
        assertEquals("refund-1", first.id());
        assertEquals("evals/maya.jsonl:2", first.source());
        assertEquals(List.of("billing"), first.tags());
        assertEquals("maya", first.agent());
        assertEquals("gpt-x", first.model());
        assertEquals(List.of("hi"), first.history());
        assertEquals("bug 12", first.provenance());
        assertTrue(first.manifest().containsKey("entries"));
        assertEquals(List.of("status", "tools_called", "reply_contains"), first.graders().stream().map(Grader::kind).toList());
        EvalCase second = dataset.cases().get(1);
        assertEquals("evals/maya.jsonl:5", second.source());
        assertNull(second.agent());
        assertTrue(dataset.needsJudge());
        assertEquals("maya.jsonl", dataset.name());
    }

    @Test
    void a_dataset_without_a_judge_does_not_need_one() throws Exception {
        Dataset dataset = reader.parse(FILE, "{\"id\": \"a\", \"input\": \"hi\", \"expect\": {\"status\": \"succeeded\"}}");
        assertFalse(dataset.needsJudge());
    }

    @Test
    void reads_a_file_from_disk(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("set.jsonl");
        Files.writeString(file, "{\"id\": \"a\", \"input\": \"hi\", \"expect\": {\"status\": \"succeeded\"}}\n");
        assertEquals(1, reader.read(file).cases().size());
        DatasetException missing = assertThrows(DatasetException.class, () -> reader.read(dir.resolve("nope.jsonl")));
        assertEquals(dir.resolve("nope.jsonl") + ": no such file", missing.getMessage());
    }

    @Test
    void malformed_json_names_line_and_column() {
        List<String> errors = errors("""
                {"id": "a", "input": "hi", "expect": {"status": "succeeded"}}
                {"id": "b", "input": "hi", "expect": {"status": "succeeded"}
                """);
        assertEquals(List.of("evals/maya.jsonl:2:61: invalid JSON: Unexpected end-of-input: expected close marker for Object"),
                errors);
        assertEquals(List.of("evals/maya.jsonl:1:13: invalid JSON: Unexpected character ('}' (code 125)): was expecting "
                + "double-quote to start field name"), errors("{\"id\": \"a\", }"));
    }

    @Test
    void a_line_that_is_not_an_object_or_has_two_values_is_named() {
        assertEquals(List.of("evals/maya.jsonl:1: not a JSON object (each line is one case: {\"id\": …, \"input\": …, \"expect\": {…}})"),
                errors("[1, 2]"));
        List<String> two = errors("{\"id\": \"a\", \"input\": \"hi\", \"expect\": {\"status\": \"succeeded\"}} {}");
        assertTrue(two.getFirst().startsWith("evals/maya.jsonl:1:6"), two.getFirst());
        assertTrue(two.getFirst().endsWith("invalid JSON: more than one value on the line (one case per line)"), two.getFirst());
    }

    @Test
    void unknown_field_is_named_with_the_known_ones() {
        assertEquals(List.of("evals/maya.jsonl:1: expected: unknown field; known: agent, expect, history, id, input, "
                        + "manifest, model, provenance, tags",
                        "evals/maya.jsonl:1: expect: required: an object with at least one grader (" + String.join(", ", Graders.KINDS) + ")"),
                errors("{\"id\": \"a\", \"input\": \"hi\", \"expected\": {\"status\": \"succeeded\"}}"));
    }

    @Test
    void unknown_grader_is_named_with_the_known_ones() {
        assertEquals(List.of("evals/maya.jsonl:1: expect.tool_called: unknown grader 'tool_called'; known: "
                        + String.join(", ", Graders.KINDS)),
                errors("{\"id\": \"a\", \"input\": \"hi\", \"expect\": {\"tool_called\": [\"x\"]}}"));
    }

    @Test
    void bad_matcher_and_bad_tool_item_name_their_field() {
        assertEquals(List.of("evals/maya.jsonl:12: expect.tools_called[1].arguments.account_id.$regex: invalid regular "
                        + "expression: Unclosed group near index 4",
                        "evals/maya.jsonl:12: expect.tools_not_called[1].name: must be a string",
                        "evals/maya.jsonl:12: expect.reply_json[\"$.total\"]: a matcher object has exactly one $ operator "
                                + "and no other fields (found $regex, $contains); known operators: $contains, $exists, $regex"),
                errors("\n".repeat(11) + "{\"id\": \"a\", \"input\": \"hi\", \"expect\": {"
                        + "\"tools_called\": [\"x\", {\"name\": \"lookup_account\", \"arguments\": {\"account_id\": {\"$regex\": \"(abc\"}}}], "
                        + "\"tools_not_called\": [\"y\", {\"name\": 3}], "
                        + "\"reply_json\": {\"$.total\": {\"$regex\": \"a\", \"$contains\": \"b\"}}}}"));
    }

    @Test
    void unknown_matcher_operator_is_named() {
        assertEquals(List.of("evals/maya.jsonl:1: expect.tools_called[0].arguments.id.$like: unknown matcher '$like'; "
                        + "known: $contains, $exists, $regex"),
                errors("{\"id\": \"a\", \"input\": \"hi\", \"expect\": {\"tools_called\": "
                        + "[{\"name\": \"t\", \"arguments\": {\"id\": {\"$like\": \"x\"}}}]}}"));
    }

    @Test
    void errors_of_every_line_are_collected() {
        List<String> errors = errors("""
                {"id": "a", "input": "hi", "expect": {"status": "done"}}
                {"id": "B!", "input": "", "expect": {"tools_called": [{"name": 3}]}}
                {"id": "c", "input": "hi", "expect": {"judge": {"rubric": "x", "threshold": 1.5}, "max_turns": 0}}
                """);
        assertEquals(List.of(
                "evals/maya.jsonl:1: expect.status: 'done' is not a final status; known: succeeded, failed, timed_out, cancelled",
                "evals/maya.jsonl:2: id: 'B!' must match [a-z0-9][a-z0-9._-]*",
                "evals/maya.jsonl:2: input: must not be blank",
                "evals/maya.jsonl:2: expect.tools_called[0].name: must be a string",
                "evals/maya.jsonl:3: expect.judge.threshold: must be a number from 0 to 1",
                "evals/maya.jsonl:3: expect.max_turns: must be a positive integer"), errors);
    }

    @Test
    void duplicate_id_names_both_lines() {
        assertEquals(List.of("evals/maya.jsonl:3: id: duplicate id 'a' (first on line 1)"), errors("""
                {"id": "a", "input": "hi", "expect": {"status": "succeeded"}}
                {"id": "b", "input": "hi", "expect": {"status": "succeeded"}}
                {"id": "a", "input": "hi again", "expect": {"status": "succeeded"}}
                """));
    }

    @Test
    void duplicate_keys_in_a_line_are_refused() {
        List<String> errors = errors("{\"id\": \"a\", \"id\": \"b\", \"input\": \"hi\", \"expect\": {\"status\": \"succeeded\"}}");
        assertTrue(errors.getFirst().startsWith("evals/maya.jsonl:1:"), errors.getFirst());
        assertTrue(errors.getFirst().contains("Duplicate field 'id'"), errors.getFirst());
    }

    @Test
    void empty_expect_and_missing_fields_are_named() {
        assertEquals(List.of("evals/maya.jsonl:1: id: required", "evals/maya.jsonl:1: input: required",
                        "evals/maya.jsonl:1: expect: must be an object with at least one grader (" + String.join(", ", Graders.KINDS) + ")"),
                errors("{\"expect\": {}}"));
    }

    @Test
    void a_bad_manifest_is_named_with_the_harness_own_validation() {
        List<String> errors = errors("{\"id\": \"a\", \"input\": \"hi\", \"manifest\": {\"entries\": {\"x\": {\"type\": \"tarball\"}}}, "
                + "\"expect\": {\"status\": \"succeeded\"}}");
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.getFirst().startsWith("evals/maya.jsonl:1: manifest.entries"), errors.getFirst());
    }

    @Test
    void an_empty_file_has_no_cases() {
        assertEquals(List.of("evals/maya.jsonl: no cases (a dataset has one JSON object per line)"), errors("# nothing\n\n"));
    }
}
