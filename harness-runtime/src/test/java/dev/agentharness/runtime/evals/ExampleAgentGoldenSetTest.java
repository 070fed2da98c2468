package dev.agentharness.runtime.evals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentharness.runtime.agent.Agent;
import dev.agentharness.runtime.agent.BuiltInAgents;
import dev.agentharness.runtime.agent.Guardrail;
import dev.agentharness.runtime.agent.ToolRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code examples/agent-support.yaml}: its golden set (the ConfigMap) reads with the harness's own DatasetReader, and
 * each case is the case of the same id in {@code evals/maya.jsonl} with the agent renamed; the Agent offers the model
 * exactly Maya's tools, handoffs and guardrails. The FAKE model plays a support agent by the tools it is offered
 * (harness-fakes {@code DemoResponder}), so the Agent passes these cases against it as Maya does
 * ({@code cli/GoldenSetGateIT}, {@code make eval}).
 */
class ExampleAgentGoldenSetTest {

    private static final Path EXAMPLE = Path.of("../examples/agent-support.yaml");
    private static final ObjectMapper JSON = new ObjectMapper();

    static Map<String, JsonNode> documents() throws Exception {
        Map<String, JsonNode> byKind = new LinkedHashMap<>();
        try (MappingIterator<JsonNode> it = new YAMLMapper().readerFor(JsonNode.class).readValues(EXAMPLE.toFile())) {
            while (it.hasNext()) {
                JsonNode document = it.next();
                byKind.put(document.path("kind").asText(), document);
            }
        }
        return byKind;
    }

    @Test
    void theGoldenSetIsMayasCasesForTheExampleAgent() throws Exception {
        Map<String, JsonNode> documents = documents();
        JsonNode agent = documents.get("Agent");
        String name = agent.path("metadata").path("name").asText();
        JsonNode ref = agent.path("spec").path("evaluation").path("goldenSet").path("configMapKeyRef");
        JsonNode configMap = documents.get("ConfigMap");
        assertEquals(ref.path("name").asText(), configMap.path("metadata").path("name").asText());
        String golden = configMap.path("data").path(ref.path("key").asText()).asText();

        Dataset dataset = new DatasetReader(Graders.withoutJudge()).parse(Path.of("golden.jsonl"), golden);
        assertTrue(dataset.cases().size() >= 5, dataset.cases().size() + " cases");

        Map<String, JsonNode> maya = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("../evals/maya.jsonl"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                JsonNode node = JSON.readTree(line);
                maya.put(node.path("id").asText(), node);
            }
        }
        for (String line : golden.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            ObjectNode example = (ObjectNode) JSON.readTree(line);
            assertEquals(name, example.path("agent").asText(), line);
            ObjectNode original = ((ObjectNode) maya.get(example.path("id").asText())).deepCopy();
            original.remove("provenance");
            original.put("agent", name);
            // Maya's "not by maya herself" becomes "not by the example agent itself".
            String expected = original.toString().replace("\"agent\":\"maya\"", "\"agent\":\"" + name + "\"");
            assertEquals(JSON.readTree(expected), example, example.path("id").asText());
        }
    }

    @Test
    void theExampleAgentOffersTheModelWhatMayaOffers() throws Exception {
        JsonNode spec = documents().get("Agent").path("spec");
        Agent maya = BuiltInAgents.maya(ToolRegistry.builtIn());
        assertEquals(maya.tools().stream().map(t -> t.name()).toList(), strings(spec.path("tools")));
        assertEquals(maya.handoffs(), strings(spec.path("handoffs")));
        assertEquals(maya.inputGuardrails().stream().map(Guardrail::name).toList(), strings(spec.path("inputGuardrails")));
        assertEquals(maya.outputGuardrails().stream().map(Guardrail::name).toList(),
                strings(spec.path("outputGuardrails")));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
