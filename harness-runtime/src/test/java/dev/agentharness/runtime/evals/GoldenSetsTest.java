package dev.agentharness.runtime.evals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The shipped golden sets ({@code evals/} at the repository root) read cleanly, every case is tagged, the coverage the
 * issue asks for is there, and each baseline names exactly the dataset's cases (all of them pass against the FAKE
 * model: {@code cli/GoldenSetGateIT} and {@code make eval} prove that).
 */
class GoldenSetsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "maya.jsonl    | 25 | tools,default-account,unknown-account,handoff,refusal,input-guardrail,output-guardrail,session,judge,ceilings,reply",
            "analyst.jsonl | 5  | sandbox,tools,session,judge,reply-json,never-invents"})
    void aShippedSetReadsIsTaggedCoversItsGroundAndItsBaselineNamesEveryCase(String file, int atLeast, String tags)
            throws Exception {
        Path datasetFile = Path.of("../evals", file.strip());
        Dataset dataset = new DatasetReader(Graders.withoutJudge()).read(datasetFile);

        assertTrue(dataset.cases().size() >= atLeast, file + ": " + dataset.cases().size() + " cases");
        Set<String> used = new TreeSet<>();
        for (EvalCase evalCase : dataset.cases()) {
            assertFalse(evalCase.tags().isEmpty(), evalCase.id() + " has tags");
            used.addAll(evalCase.tags());
        }
        assertTrue(used.containsAll(List.of(tags.strip().split(","))), file + " covers " + tags + ": " + used);

        JsonNode baseline = JSON.readTree(Path.of("../evals", file.strip().replace(".jsonl", ".baseline.json")).toFile());
        assertEquals(dataset.name(), baseline.path("dataset").asText());
        List<String> passing = new ArrayList<>();
        baseline.path("passing").forEach(id -> passing.add(id.asText()));
        assertEquals(dataset.cases().stream().map(EvalCase::id).toList(), passing,
                "the baseline lists every case, in file order");
    }
}
