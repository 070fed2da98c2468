package dev.agentharness.runtime.evals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BaselineTest {

    @TempDir
    Path dir;

    private Dataset dataset() throws Exception {
        return new DatasetReader(Graders.withoutJudge()).parse(dir.resolve("maya.jsonl"), """
                {"id": "refund-1", "input": "a", "expect": {"status": "succeeded"}}
                {"id": "greeting", "input": "b", "expect": {"status": "succeeded"}}
                {"id": "handoff", "input": "c", "expect": {"status": "succeeded"}}
                """);
    }

    private Path file(String text) throws Exception {
        Path file = dir.resolve("maya.baseline.json");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void reads_the_passing_ids() throws Exception {
        Baseline baseline = Baseline.read(file("{\"dataset\": \"maya.jsonl\", \"passing\": [\"refund-1\", \"greeting\"]}"), dataset());
        assertEquals("maya.jsonl", baseline.dataset());
        assertEquals(Set.of("greeting", "refund-1"), baseline.passing());
        assertTrue(baseline.expectsToPass("greeting"));
        assertFalse(baseline.expectsToPass("handoff"));
    }

    @Test
    void an_unknown_id_and_another_dataset_are_named() throws Exception {
        Path file = file("{\"dataset\": \"analyst.jsonl\", \"passing\": [\"refund-1\", \"refund-2\", 7, \"refund-1\"]}");
        DatasetException e = assertThrows(DatasetException.class, () -> Baseline.read(file, dataset()));
        assertEquals(List.of(
                file + ": dataset: is the baseline of 'analyst.jsonl', not of maya.jsonl",
                file + ": passing[1]: unknown case 'refund-2' (not in " + dir.resolve("maya.jsonl") + ")",
                file + ": passing[2]: must be a case id (a string)",
                file + ": passing[3]: 'refund-1' is listed twice"), e.errors());
    }

    @Test
    void a_baseline_sent_as_text_may_name_any_dataset_file_but_its_ids_are_still_checked() throws Exception {
        Path where = Path.of("baseline");
        Baseline baseline = Baseline.parse(where, "{\"dataset\": \"golden.jsonl\", \"passing\": [\"greeting\"]}",
                dataset(), false);
        assertEquals(Set.of("greeting"), baseline.passing());
        DatasetException e = assertThrows(DatasetException.class, () -> Baseline.parse(where,
                "{\"dataset\": \"golden.jsonl\", \"passing\": [\"gone\"]}", dataset(), false));
        assertEquals(List.of("baseline: passing[0]: unknown case 'gone' (not in " + dir.resolve("maya.jsonl") + ")"),
                e.errors());
        assertThrows(DatasetException.class, () -> Baseline.parse(where, "{\"dataset\": \"golden.jsonl\", "
                + "\"passing\": []}", dataset(), true), "a file's baseline still names its dataset");
    }

    @Test
    void malformed_missing_and_unknown_fields_are_named() throws Exception {
        Path broken = file("{\"dataset\": \"maya.jsonl\",\n \"passing\": [\"a\",]}");
        DatasetException malformed = assertThrows(DatasetException.class, () -> Baseline.read(broken, dataset()));
        assertTrue(malformed.getMessage().startsWith(broken + ":2:"), malformed.getMessage());
        assertTrue(malformed.getMessage().contains("invalid JSON"), malformed.getMessage());

        Path incomplete = file("{\"passing_ids\": []}");
        assertEquals(List.of(incomplete + ": passing_ids: unknown field; known: dataset, passing",
                        incomplete + ": dataset: required: the dataset's file name (maya.jsonl)",
                        incomplete + ": passing: required: an array of case ids"),
                assertThrows(DatasetException.class, () -> Baseline.read(incomplete, dataset())).errors());

        Path missing = dir.resolve("nope.baseline.json");
        assertEquals(missing + ": no such file",
                assertThrows(DatasetException.class, () -> Baseline.read(missing, dataset())).getMessage());
    }

    @Test
    void writes_sorted_ids_one_per_line_and_reads_them_back() throws Exception {
        Path file = dir.resolve("sub/maya.baseline.json");
        Baseline written = Baseline.write(file, dataset(), List.of("refund-1", "greeting"));
        assertEquals("""
                {
                  "dataset": "maya.jsonl",
                  "passing": [
                    "greeting",
                    "refund-1"
                  ]
                }
                """, Files.readString(file));
        assertEquals(written.passing(), Baseline.read(file, dataset()).passing());
        assertThrows(IllegalArgumentException.class, () -> Baseline.write(file, dataset(), List.of("nope")));
    }

    @Test
    void the_default_baseline_sits_next_to_its_dataset() {
        assertEquals(Path.of("evals/maya.baseline.json"), Baseline.defaultFile(Path.of("evals/maya.jsonl")));
    }
}
