package dev.agentharness.crds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.api.agents.AgentCatalog;
import dev.agentharness.api.agents.AgentSpecValidation;
import dev.agentharness.api.agents.AgentSpecValidator;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The agent spec has one format (docs/agents.md): the Agent CRD's {@code spec} is exactly what {@link AgentSpecValidator}
 * accepts from a file or {@code PUT /agents/{name}}, every field of it is described for {@code kubectl explain}, and
 * the example Agents pass the validator the harness and the operator share.
 */
class AgentSpecFormatTest {

    static final String AGENTS = "agents.agentharness.dev-v1.yml";
    private static final ObjectMapper JSON = new ObjectMapper();

    static JSONSchemaProps spec() throws IOException {
        return CrdDefinitionTest.crd(AGENTS).getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema()
                .getProperties().get("spec");
    }

    @Test
    void theCrdSpecIsExactlyTheValidatorsFields() throws IOException {
        assertEquals(AgentSpecValidator.FIELDS, new TreeSet<>(spec().getProperties().keySet()),
                "crds AgentSpec and harness-api AgentSpecValidator.FIELDS must list the same fields (docs/agents.md)");
        assertEquals(AgentSpecValidator.SETTINGS_FIELDS,
                new TreeSet<>(spec().getProperties().get("modelSettings").getProperties().keySet()));
        assertEquals(List.of("instructions"), spec().getRequired());
    }

    @Test
    void everyFieldOfTheSpecIsDescribed() throws IOException {
        List<String> undescribed = new ArrayList<>();
        undescribed(spec(), "spec", undescribed);
        assertEquals(List.of(), undescribed, "kubectl explain agent.spec shows these without a word");
    }

    private static void undescribed(JSONSchemaProps schema, String path, List<String> out) {
        if (schema.getProperties() != null) {
            schema.getProperties().forEach((name, child) -> {
                String field = path + "." + name;
                if (child.getDescription() == null || child.getDescription().isBlank()) {
                    out.add(field);
                }
                undescribed(child, field, out);
            });
        }
        if (schema.getItems() != null && schema.getItems().getSchema() != null) {
            undescribed(schema.getItems().getSchema(), path + "[]", out);
        }
    }

    /** The operator's catalog: no tool or guardrail registry (the harness checks those), agents by name. */
    static AgentCatalog catalog(Map<String, List<String>> agents) {
        return agent -> Optional.ofNullable(agents.get(agent));
    }

    @Test
    void everyExampleAgentPassesTheSharedValidatorAndItsGoldenSetIsInTheSameFile() throws IOException {
        Map<String, List<String>> agents = new LinkedHashMap<>(Map.of("maya", List.of("billing"), "billing", List.of()));
        Map<String, JsonNode> specs = new LinkedHashMap<>();
        Map<String, JsonNode> configMaps = new LinkedHashMap<>();
        for (Path file : ExamplesTest.yamlFiles(ExamplesTest.EXAMPLES)) {
            for (JsonNode resource : ExamplesTest.documents(file)) {
                String name = resource.path("metadata").path("name").asText();
                switch (resource.path("kind").asText()) {
                    case "Agent" -> {
                        specs.put(name, resource.path("spec"));
                        List<String> handoffs = new ArrayList<>();
                        resource.path("spec").path("handoffs").forEach(h -> handoffs.add(h.asText()));
                        agents.put(name, handoffs);
                    }
                    case "ConfigMap" -> configMaps.put(name, resource.path("data"));
                    default -> { }
                }
            }
        }
        assertTrue(specs.containsKey("support"), specs.keySet().toString());
        for (Map.Entry<String, JsonNode> agent : specs.entrySet()) {
            Map<String, Object> spec = JSON.convertValue(agent.getValue(), new TypeReference<>() { });
            AgentSpecValidation validation = AgentSpecValidator.validate(agent.getKey(), spec, catalog(agents),
                    AgentSpecValidator.Source.KUBERNETES);
            assertEquals(List.of(), validation.problems(), agent.getKey());
            assertTrue(validation.version().matches("sha256:[0-9a-f]{64}"), validation.version());
            JsonNode ref = agent.getValue().path("evaluation").path("goldenSet").path("configMapKeyRef");
            if (ref.isMissingNode()) {
                continue;
            }
            String golden = configMaps.getOrDefault(ref.path("name").asText(), JSON.createObjectNode())
                    .path(ref.path("key").asText()).asText("");
            assertFalse(golden.isBlank(), agent.getKey() + ": golden set " + ref + " is not in examples/");
            for (String line : golden.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode example = JSON.readTree(line);
                assertTrue(example.path("id").isTextual() && example.path("input").isTextual()
                        && example.path("expect").isObject(), line);
                assertEquals(agent.getKey(), example.path("agent").asText(agent.getKey()),
                        "a golden case of " + agent.getKey() + " names another agent: " + line);
            }
        }
    }
}
