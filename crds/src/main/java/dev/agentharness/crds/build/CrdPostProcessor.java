package dev.agentharness.crds.build;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Finishes the CRDs the fabric8 generator wrote (run by exec-maven-plugin in {@code process-classes}, right after
 * crd-generator-maven-plugin), for what its annotations cannot express:
 * <ul>
 *   <li>printer columns in the order the resource class declares its {@link AdditionalPrinterColumn}s (the generator
 *       sorts them by JSON path, fabric8 issue #7454, so {@code kubectl get ar} read {@code NAME AGE AGENT ...});</li>
 *   <li>descriptions of the root, {@code spec} and {@code status} (from the classes' {@link JsonClassDescription}) and
 *       of the {@code metav1.Condition} fields, so {@code kubectl explain} documents every field;</li>
 *   <li>{@code format: date-time} on every string field whose name ends in {@code Time}.</li>
 * </ul>
 * Deterministic (same input, same bytes) and idempotent; writes with the generator's own serializer, so the files
 * differ from its output only where a rule applies.
 */
public final class CrdPostProcessor {

    /** The second line of every processed CRD. */
    public static final String MARK = "# Post-processed by dev.agentharness.crds.build.CrdPostProcessor "
            + "(printer column order, descriptions, date-time formats)\n";

    private static final String RESOURCE_PACKAGE = "dev.agentharness.crds.v1alpha1.";

    /** metav1.Condition's fields, worded as Kubernetes documents them. */
    static final Map<String, String> CONDITION_FIELDS = Map.of(
            "type", "Type of the condition, in CamelCase (Succeeded for an AgentRun, Ready for an Agent or a "
                    + "SandboxManifest).",
            "status", "Status of the condition: True, False or Unknown.",
            "reason", "A programmatic identifier, in CamelCase, for the condition's last transition.",
            "message", "A human readable message with details about the transition.",
            "lastTransitionTime", "When the condition last changed from one status to another (RFC 3339).",
            "observedGeneration", "The metadata.generation the condition was set for.");

    private static final String CONDITION_ITEMS = "A condition in the Kubernetes convention (metav1.Condition).";

    private CrdPostProcessor() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: CrdPostProcessor <directory of generated CRD *.yml>");
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(Path.of(args[0]))) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".yml")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IllegalStateException("no generated CRDs in " + args[0]);
        }
        for (Path file : files) {
            Files.writeString(file, process(Files.readString(file, StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        }
    }

    /** One generated CRD file in, the finished file out. */
    public static String process(String generated) {
        int firstLineEnd = generated.indexOf('\n') + 1;
        String header = generated.substring(0, firstLineEnd);
        if (!header.startsWith("#")) {
            throw new IllegalStateException("not a generated CRD (no header comment): " + header);
        }
        String body = generated.substring(firstLineEnd);
        if (body.startsWith(MARK)) {
            body = body.substring(MARK.length());
        }
        KubernetesSerialization serialization = new KubernetesSerialization();
        ObjectNode crd = (ObjectNode) serialization.unmarshal(body, JsonNode.class);
        Class<?> resource = resourceClass(crd.path("spec").path("names").path("kind").asText());
        for (JsonNode version : crd.path("spec").path("versions")) {
            orderColumns((ObjectNode) version, resource);
            ObjectNode root = (ObjectNode) version.path("schema").path("openAPIV3Schema");
            describeFromClass(root, resource);
            Type[] specAndStatus = ((ParameterizedType) resource.getGenericSuperclass()).getActualTypeArguments();
            JsonNode properties = root.path("properties");
            if (properties.get("spec") instanceof ObjectNode spec) {
                describeFromClass(spec, (Class<?>) specAndStatus[0]);
            }
            if (properties.get("status") instanceof ObjectNode status) {
                describeFromClass(status, (Class<?>) specAndStatus[1]);
            }
            walk(root);
        }
        String yaml = serialization.asYaml(crd);
        // The generator drops the document marker the same way.
        return header + MARK + (yaml.startsWith("---\n") ? yaml.substring(4) : yaml);
    }

    private static Class<?> resourceClass(String kind) {
        try {
            Class<?> type = Class.forName(RESOURCE_PACKAGE + kind);
            if (!CustomResource.class.isAssignableFrom(type)) {
                throw new IllegalStateException(type + " is not a CustomResource");
            }
            return type;
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("no resource class for kind " + kind, e);
        }
    }

    /** Puts the generator's (sorted) columns back in the order the class declares them. */
    static void orderColumns(ObjectNode version, Class<?> resource) {
        if (!(version.get("additionalPrinterColumns") instanceof ArrayNode columns)) {
            return;
        }
        List<String> declared = Arrays.stream(resource.getAnnotationsByType(AdditionalPrinterColumn.class))
                .map(AdditionalPrinterColumn::name).toList();
        List<JsonNode> ordered = new ArrayList<>();
        for (String name : declared) {
            JsonNode column = null;
            for (JsonNode candidate : columns) {
                if (name.equals(candidate.path("name").asText())) {
                    column = candidate;
                }
            }
            if (column == null) {
                throw new IllegalStateException(resource.getSimpleName() + " declares column " + name
                        + " but the generated CRD has none");
            }
            ordered.add(column);
        }
        if (ordered.size() != columns.size()) {
            throw new IllegalStateException("the generated CRD of " + resource.getSimpleName() + " has "
                    + columns.size() + " printer columns, the class declares " + declared);
        }
        columns.removeAll();
        columns.addAll(ordered);
    }

    private static void describeFromClass(ObjectNode schema, Class<?> type) {
        JsonClassDescription description = type.getAnnotation(JsonClassDescription.class);
        if (description == null) {
            throw new IllegalStateException(type.getName() + " needs a @JsonClassDescription (kubectl explain shows it)");
        }
        insert(schema, "description", description.value());
    }

    private static void walk(ObjectNode schema) {
        if (!(schema.get("properties") instanceof ObjectNode properties)) {
            if (schema.get("items") instanceof ObjectNode items) {
                walk(items);
            }
            if (schema.get("additionalProperties") instanceof ObjectNode values) {
                walk(values);
            }
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            ObjectNode property = (ObjectNode) entry.getValue();
            if (entry.getKey().equals("conditions") && property.get("items") instanceof ObjectNode condition) {
                describeCondition(condition);
            }
            if (entry.getKey().endsWith("Time") && "string".equals(property.path("type").asText())) {
                insert(property, "format", "date-time");
            }
            walk(property);
        }
    }

    private static void describeCondition(ObjectNode condition) {
        if (!(condition.get("properties") instanceof ObjectNode fields)) {
            return;
        }
        insert(condition, "description", CONDITION_ITEMS);
        for (Map.Entry<String, String> known : CONDITION_FIELDS.entrySet()) {
            if (fields.get(known.getKey()) instanceof ObjectNode field) {
                insert(field, "description", known.getValue());
            }
        }
    }

    /**
     * Sets {@code key} unless the node has it, at the place the generator's serializer gives it (JSONSchemaProps
     * writes its keywords in this order), so a processed file differs from the generator's only by added lines.
     */
    static void insert(ObjectNode schema, String key, String value) {
        if (schema.has(key)) {
            return;
        }
        int rank = KEYWORD_ORDER.indexOf(key);
        // The same child nodes go back (not copies): callers may hold references into them.
        Map<String, JsonNode> children = new LinkedHashMap<>();
        schema.fields().forEachRemaining(entry -> children.put(entry.getKey(), entry.getValue()));
        schema.removeAll();
        boolean placed = false;
        for (Map.Entry<String, JsonNode> entry : children.entrySet()) {
            int other = KEYWORD_ORDER.indexOf(entry.getKey());
            if (!placed && (other < 0 || other > rank)) {
                schema.put(key, value);
                placed = true;
            }
            schema.set(entry.getKey(), entry.getValue());
        }
        if (!placed) {
            schema.put(key, value);
        }
    }

    /** io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps' @JsonPropertyOrder, as far as used here. */
    private static final List<String> KEYWORD_ORDER = List.of("$ref", "$schema", "additionalItems",
            "additionalProperties", "allOf", "anyOf", "default", "definitions", "dependencies", "description", "enum",
            "example", "exclusiveMaximum", "exclusiveMinimum", "externalDocs", "format", "id", "items", "maxItems",
            "maxLength", "maxProperties", "maximum", "minItems", "minLength", "minProperties", "minimum", "multipleOf",
            "not", "nullable", "oneOf", "pattern", "patternProperties", "properties", "required", "title", "type",
            "uniqueItems", "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string",
            "x-kubernetes-list-map-keys", "x-kubernetes-list-type", "x-kubernetes-map-type",
            "x-kubernetes-preserve-unknown-fields", "x-kubernetes-validations");
}
