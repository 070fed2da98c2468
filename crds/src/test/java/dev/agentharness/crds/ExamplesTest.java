package dev.agentharness.crds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every Agent, AgentRun and SandboxManifest in {@code examples/} validates against the committed CRD
 * schema, and deliberately broken resources fail it — so the validator is really checking.
 */
class ExamplesTest {

    static final Path EXAMPLES = Path.of("..", "examples");
    static final Path BROKEN = Path.of("src", "test", "resources", "broken");
    static final String OUR_API_VERSION = "agentharness.dev/v1alpha1";

    static Map<String, CrdSchema> schemas = new LinkedHashMap<>();

    @BeforeAll
    static void loadSchemas() throws IOException {
        for (String file : List.of("agentruns.agentharness.dev-v1.yml", "sandboxmanifests.agentharness.dev-v1.yml",
                "agents.agentharness.dev-v1.yml")) {
            CrdSchema schema = CrdSchema.load(Path.of("generated", file));
            schemas.put(schema.kind(), schema);
        }
    }

    @Test
    void everyExampleResourceValidatesAgainstItsCrd() throws IOException {
        Map<String, List<String>> violations = new TreeMap<>();
        List<String> validated = new ArrayList<>();
        for (Path file : yamlFiles(EXAMPLES)) {
            for (JsonNode resource : documents(file)) {
                if (!resource.path("apiVersion").asText().startsWith("agentharness.dev/")) {
                    continue; // e.g. an Argo CD Application: not ours to validate
                }
                String name = file.getFileName() + " " + resource.path("kind").asText() + "/"
                        + resource.path("metadata").path("name").asText();
                CrdSchema schema = schemas.get(resource.path("kind").asText());
                List<String> problems = schema == null ? List.of("unknown kind") : schema.violations(resource);
                if (!problems.isEmpty()) {
                    violations.put(name, problems);
                }
                validated.add(name);
            }
        }
        assertEquals(Map.of(), violations);
        assertTrue(validated.containsAll(List.of(
                "agentrun-maya.yaml AgentRun/maya-card-declined",
                "agentrun-analyst.yaml AgentRun/analyst-word-count",
                "sandboxmanifest-notes.yaml SandboxManifest/notes",
                "agent-support.yaml Agent/support",
                "agent-support.yaml AgentRun/support-card-declined")), validated.toString());
    }

    @Test
    void everyBrokenResourceFailsWithTheExpectedViolation() throws IOException {
        List<Path> files = yamlFiles(BROKEN);
        assertTrue(files.size() >= 6, "the broken examples are the validator's own test: " + files);
        for (Path file : files) {
            String expected = Files.readAllLines(file).getFirst().replaceFirst("^# expect: ", "");
            for (JsonNode resource : documents(file)) {
                List<String> problems = schemas.get(resource.path("kind").asText()).violations(resource);
                assertFalse(problems.isEmpty(), file + " should be rejected");
                assertTrue(problems.stream().anyMatch(p -> p.contains(expected)),
                        file + ": expected a violation containing '" + expected + "', got " + problems);
            }
        }
    }

    static List<Path> yamlFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
    }

    static List<JsonNode> documents(Path file) throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> it = CrdSchema.YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode node = it.next();
                if (node != null && !node.isNull() && !node.isEmpty()) {
                    documents.add(node);
                }
            }
        }
        return documents;
    }
}
