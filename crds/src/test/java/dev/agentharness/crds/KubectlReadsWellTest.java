package dev.agentharness.crds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.crds.build.CrdPostProcessor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What a person sees with {@code kubectl get} and {@code kubectl explain}, read from the committed CRDs in
 * {@code crds/generated/} (what the chart and {@code kubectl apply} install): printer columns in the intended order —
 * the generator sorts them by JSON path (fabric8 #7454), {@link CrdPostProcessor} restores the declared order — a
 * description on every field, and {@code format: date-time} on every time.
 */
class KubectlReadsWellTest {

    static final Path COMMITTED = Path.of("generated");

    static JsonNode crd(String file) throws IOException {
        return CrdSchema.YAML.readTree(COMMITTED.resolve(file).toFile());
    }

    static List<String> columns(JsonNode crd, int priority) {
        List<String> names = new ArrayList<>();
        for (JsonNode column : crd.path("spec").path("versions").path(0).path("additionalPrinterColumns")) {
            if (column.path("priority").asInt() == priority) {
                names.add(column.path("name").asText());
            }
        }
        return names;
    }

    static String columnType(JsonNode crd, String name) {
        for (JsonNode column : crd.path("spec").path("versions").path(0).path("additionalPrinterColumns")) {
            if (name.equals(column.path("name").asText())) {
                return column.path("type").asText();
            }
        }
        throw new AssertionError("no column " + name);
    }

    static List<String> allCrds() throws IOException {
        try (Stream<Path> files = Files.list(COMMITTED)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml")).sorted().toList();
        }
    }

    @Test
    void kubectlGetArReadsLikeTekton() throws IOException {
        JsonNode crd = crd("agentruns.agentharness.dev-v1.yml");
        // NAME SUCCEEDED REASON AGENT STARTTIME COMPLETIONTIME DURATION AGE
        assertEquals(List.of("Succeeded", "Reason", "Agent", "StartTime", "CompletionTime", "Duration", "Age"),
                columns(crd, 0));
        assertEquals(List.of("Run", "Turns"), columns(crd, 1), "-o wide adds these, after the default ones");
        for (String date : List.of("StartTime", "CompletionTime", "Age")) {
            assertEquals("date", columnType(crd, date), date + " prints as an age, like Tekton's");
        }
    }

    @Test
    void kubectlGetAgentAndSbmLeadWithReadyAndReason() throws IOException {
        JsonNode agents = crd("agents.agentharness.dev-v1.yml");
        assertEquals(List.of("Ready", "Reason", "Model", "Active", "Age"), columns(agents, 0));
        assertEquals(List.of("Candidate"), columns(agents, 1));
        JsonNode manifests = crd("sandboxmanifests.agentharness.dev-v1.yml");
        assertEquals(List.of("Ready", "Reason", "Age"), columns(manifests, 0));
        assertEquals(List.of("Digest"), columns(manifests, 1));
    }

    @Test
    void wideColumnsComeAfterTheDefaultOnesInEveryCrd() throws IOException {
        for (String file : allCrds()) {
            int last = 0;
            for (JsonNode column : crd(file).path("spec").path("versions").path(0).path("additionalPrinterColumns")) {
                int priority = column.path("priority").asInt();
                assertTrue(priority >= last, file + ": column " + column.path("name").asText()
                        + " (priority " + priority + ") comes after a wide-only one");
                last = priority;
            }
        }
    }

    @Test
    void kubectlExplainDocumentsEveryField() throws IOException {
        Map<String, List<String>> undocumented = new TreeMap<>();
        for (String file : allCrds()) {
            JsonNode root = crd(file).path("spec").path("versions").path(0).path("schema").path("openAPIV3Schema");
            List<String> missing = new ArrayList<>();
            walk(root, "", (path, node, isField) -> {
                if (isField && node.path("description").asText().isBlank()) {
                    missing.add(path.isEmpty() ? "<root>" : path);
                }
            });
            if (!missing.isEmpty()) {
                undocumented.put(file, missing);
            }
        }
        assertEquals(Map.of(), undocumented, "fields kubectl explain would show without a description: add "
                + "@JsonPropertyDescription (fields) or @JsonClassDescription (resource, spec and status classes)");
    }

    @Test
    void explainCoversRootSpecStatusAndConditions() throws IOException {
        for (String file : allCrds()) {
            JsonNode root = crd(file).path("spec").path("versions").path(0).path("schema").path("openAPIV3Schema");
            JsonNode status = root.path("properties").path("status");
            JsonNode condition = status.path("properties").path("conditions").path("items");
            for (JsonNode node : List.of(root, root.path("properties").path("spec"), status, condition,
                    condition.path("properties").path("type"), condition.path("properties").path("status"),
                    condition.path("properties").path("reason"), condition.path("properties").path("message"),
                    condition.path("properties").path("lastTransitionTime"))) {
                assertTrue(node.path("description").asText().length() > 10, file + ": " + node);
            }
        }
    }

    @Test
    void everyTimeIsADateTime() throws IOException {
        List<String> times = new ArrayList<>();
        for (String file : allCrds()) {
            JsonNode root = crd(file).path("spec").path("versions").path(0).path("schema").path("openAPIV3Schema");
            walk(root, "", (path, node, isField) -> {
                if (isField && path.endsWith("Time")) {
                    assertEquals("date-time", node.path("format").asText(), file + " " + path);
                    times.add(file.substring(0, file.indexOf('.')) + path);
                }
            });
        }
        assertTrue(times.containsAll(List.of("agentruns.status.startTime", "agentruns.status.completionTime",
                "agentruns.status.conditions[].lastTransitionTime", "agents.status.lastEvaluation.startTime",
                "agents.status.lastEvaluation.completionTime", "agents.status.conditions[].lastTransitionTime",
                "sandboxmanifests.status.conditions[].lastTransitionTime")), times.toString());
    }

    @Test
    void thePostProcessorIsIdempotentOnTheCommittedCrds() throws IOException {
        for (String file : allCrds()) {
            String committed = Files.readString(COMMITTED.resolve(file));
            assertTrue(committed.startsWith("# Generated by Fabric8 CRDGenerator"), file);
            assertTrue(committed.contains(CrdPostProcessor.MARK), file + " was not post-processed");
            assertEquals(committed, CrdPostProcessor.process(committed), file);
        }
    }

    @Test
    void thePostProcessorRestoresTheDeclaredOrderFromTheGeneratorsSortedOne() throws IOException {
        String committed = Files.readString(COMMITTED.resolve("agentruns.agentharness.dev-v1.yml"));
        // What the generator writes: columns sorted by JSON path, no descriptions of its own on root/spec/status.
        String sorted = sortColumnsByJsonPath(committed);
        assertTrue(!sorted.equals(committed), "the sorted variant should differ");
        assertEquals(committed, CrdPostProcessor.process(sorted));
    }

    @Test
    void aDeclaredColumnTheGeneratorDidNotWriteFailsTheBuild() throws IOException {
        String committed = Files.readString(COMMITTED.resolve("sandboxmanifests.agentharness.dev-v1.yml"));
        String withoutDigest = committed.replace("    - jsonPath: \".status.digest\"\n      name: \"Digest\"\n"
                + "      priority: 1\n      type: \"string\"\n", "");
        assertTrue(!withoutDigest.equals(committed));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> CrdPostProcessor.process(withoutDigest));
        assertTrue(e.getMessage().contains("Digest"), e.getMessage());
    }

    /** Rewrites the additionalPrinterColumns block of a CRD file with its columns sorted by jsonPath. */
    private static String sortColumnsByJsonPath(String crd) {
        List<String> lines = new ArrayList<>(crd.lines().toList());
        int start = lines.indexOf("  - additionalPrinterColumns:") + 1;
        int end = lines.indexOf("    name: \"v1alpha1\"");
        List<String> columns = new ArrayList<>();
        for (int i = start; i < end; i += 4) {
            columns.add(String.join("\n", lines.subList(i, i + 4)));
        }
        columns.sort(null);
        return String.join("\n", lines.subList(0, start)) + "\n" + String.join("\n", columns) + "\n"
                + String.join("\n", lines.subList(end, lines.size())) + "\n";
    }

    interface Visitor {
        void visit(String path, JsonNode node, boolean isField);
    }

    /**
     * The root and every property are fields ({@code kubectl explain} prints their description); array items and map
     * values are walked through, under the name of the field that holds them.
     */
    static void walk(JsonNode node, String path, Visitor visitor) {
        visitor.visit(path, node, !path.endsWith("[]") && !path.endsWith("{}"));
        node.path("properties").fields().forEachRemaining(e -> walk(e.getValue(), path + "." + e.getKey(), visitor));
        if (node.has("items")) {
            walk(node.get("items"), path + "[]", visitor);
        }
        if (node.path("additionalProperties").isObject()) {
            walk(node.get("additionalProperties"), path + "{}", visitor);
        }
    }
}
