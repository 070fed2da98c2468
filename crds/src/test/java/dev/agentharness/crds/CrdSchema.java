package dev.agentharness.crds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A CRD's {@code openAPIV3Schema} as a JSON Schema validator (networknt, OpenAPI 3.0 dialect),
 * made as strict as {@code kubectl apply --validate=strict}: unknown fields are errors (the API
 * server would silently prune them), and {@code apiVersion}/{@code kind} must name this CRD.
 * CEL rules ({@code x-kubernetes-validations}) are not evaluated here.
 */
final class CrdSchema {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    private final String kind;
    private final Schema schema;

    private CrdSchema(String kind, Schema schema) {
        this.kind = kind;
        this.schema = schema;
    }

    static CrdSchema load(Path crdFile) throws IOException {
        JsonNode crd = YAML.readTree(crdFile.toFile());
        JsonNode spec = crd.path("spec");
        String apiVersion = spec.path("group").asText() + "/" + spec.path("versions").path(0).path("name").asText();
        String kind = spec.path("names").path("kind").asText();
        ObjectNode root = spec.path("versions").path(0).path("schema").path("openAPIV3Schema").deepCopy();
        ObjectNode properties = (ObjectNode) root.get("properties");
        properties.set("apiVersion", JSON.createObjectNode().put("type", "string").set("enum",
                JSON.createArrayNode().add(apiVersion)));
        properties.set("kind", JSON.createObjectNode().put("type", "string").set("enum", JSON.createArrayNode().add(kind)));
        properties.set("metadata", JSON.createObjectNode().put("type", "object"));
        ArrayNode required = root.withArray("required");
        required.add("apiVersion").add("kind").add("metadata");
        forbidUnknownFields(root);
        Schema schema = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi30())
                .getSchema(JSON.writeValueAsString(root), InputFormat.JSON);
        return new CrdSchema(kind, schema);
    }

    String kind() {
        return kind;
    }

    /** Every violation, as {@code /spec/maxTurns: must have a maximum value of 100}; empty when valid. */
    List<String> violations(JsonNode resource) throws IOException {
        List<Error> errors = schema.validate(JSON.writeValueAsString(resource), InputFormat.JSON);
        return errors.stream().map(e -> e.getInstanceLocation() + ": " + e.getMessage()).toList();
    }

    /** Objects with declared properties accept no others, unless they preserve unknown fields. */
    private static void forbidUnknownFields(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.has("properties") && !object.has("additionalProperties")
                    && !object.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
                    && !object.path("properties").isEmpty()) {
                object.put("additionalProperties", false);
            }
            for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
                forbidUnknownFields(fields.next().getValue());
            }
        } else if (node instanceof ArrayNode array) {
            array.forEach(CrdSchema::forbidUnknownFields);
        }
    }
}
