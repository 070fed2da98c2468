package dev.agentharness.fakes.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The E2B control-plane contract as {@code openapi.yml} states it (copied unchanged from e2b-dev/E2B,
 * Apache-2.0, into this module's resources), used to check request bodies, query parameters and
 * response bodies with a real JSON-schema validator (networknt, OpenAPI 3.0 dialect, so
 * {@code nullable} means what it means in OpenAPI 3.0).
 *
 * <p>One deliberate tightening: object schemas that list {@code properties} but say nothing about
 * {@code additionalProperties} are closed ({@code false}). E2B's server ignores unknown fields, so a
 * misspelt field — {@code allowInternetAccess} for {@code allow_internet_access}, the spec mixes
 * cases — would silently do nothing in production; here it is a violation.
 */
public final class E2bSpec {

    /** One operation of the spec: {@code GET /sandboxes/{sandboxID}} and its definition. */
    public record Operation(String method, String template, Pattern pattern, String pointer, JsonNode definition) {
    }

    private static final String RESOURCE = "e2b/openapi.yml";
    private static final String DOCUMENT_IRI = "https://fake-e2b.invalid/openapi.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonNode spec;
    private final SchemaRegistry registry;
    private final List<Operation> operations = new ArrayList<>();
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    private E2bSpec(JsonNode spec) {
        this.spec = spec;
        String text;
        try {
            text = JSON.writeValueAsString(spec);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi30(),
                builder -> builder.schemas(Map.of(DOCUMENT_IRI, text)));
        spec.path("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
            String method = op.getKey().toUpperCase(java.util.Locale.ROOT);
            if (List.of("GET", "POST", "PUT", "DELETE", "PATCH").contains(method)) {
                Pattern pattern = Pattern.compile(path.getKey().replaceAll("\\{[^}/]+}", "[^/]+"));
                operations.add(new Operation(method, path.getKey(), pattern,
                        "/paths/" + escape(path.getKey()) + "/" + op.getKey(), op.getValue()));
            }
        }));
    }

    /** Loads and tightens the bundled spec. */
    public static E2bSpec load() {
        try (InputStream in = E2bSpec.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            JsonNode spec = new YAMLMapper().readTree(in);
            closeObjects(spec.path("components").path("schemas"));
            return new E2bSpec(spec);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** The operation serving {@code method path}; literal templates win over parameterised ones. */
    public Optional<Operation> operation(String method, String path) {
        return operations.stream()
                .filter(op -> op.method().equals(method) && op.pattern().matcher(path).matches())
                .min(java.util.Comparator.comparingInt(op -> op.template().split("\\{").length));
    }

    /** Violations of the operation's request body ({@code body} null = no body sent). */
    public List<String> checkRequestBody(Operation operation, JsonNode body) {
        JsonNode requestBody = deref(operation.definition().path("requestBody"));
        if (requestBody.isMissingNode()) {
            return body == null ? List.of() : List.of("this operation takes no request body");
        }
        if (body == null) {
            return requestBody.path("required").asBoolean(false) ? List.of("the request body is required") : List.of();
        }
        if (!requestBody.path("content").has("application/json")) {
            return List.of("this operation takes no JSON body");
        }
        return validate(operation.pointer() + "/requestBody/content/application~1json/schema", body);
    }

    /**
     * Violations of the query string: unknown parameters, and values that do not match the
     * parameter's schema (integers parsed, {@code explode:false} arrays split on commas).
     */
    public List<String> checkQuery(Operation operation, Map<String, List<String>> query) {
        List<String> problems = new ArrayList<>();
        Map<String, JsonNode> declared = new java.util.HashMap<>();
        for (JsonNode parameter : operation.definition().path("parameters")) {
            JsonNode resolved = deref(parameter);
            if ("query".equals(resolved.path("in").asText())) {
                declared.put(resolved.path("name").asText(), resolved);
            }
        }
        query.forEach((name, values) -> {
            JsonNode parameter = declared.get(name);
            if (parameter == null) {
                problems.add("query parameter '" + name + "' is not defined for " + operation.method() + " "
                        + operation.template());
                return;
            }
            JsonNode schema = deref(parameter.path("schema"));
            for (String value : values) {
                JsonNode instance = queryValue(schema, value);
                if (instance == null) {
                    problems.add("query parameter '" + name + "': '" + value + "' is not a " + schema.path("type").asText());
                    continue;
                }
                for (String problem : validate(schema, instance)) {
                    problems.add("query parameter '" + name + "': " + problem);
                }
            }
        });
        return problems;
    }

    /** Violations of a response the fake is about to send ({@code body} null = no body). */
    public List<String> checkResponse(Operation operation, int status, JsonNode body) {
        JsonNode response = deref(operation.definition().path("responses").path(String.valueOf(status)));
        if (response.isMissingNode()) {
            return List.of("status " + status + " is not declared for " + operation.method() + " " + operation.template());
        }
        JsonNode schema = response.path("content").path("application/json").path("schema");
        if (schema.isMissingNode()) {
            return body == null ? List.of() : List.of("status " + status + " declares no body");
        }
        if (body == null) {
            return List.of("status " + status + " needs a JSON body");
        }
        return validate(schema, body);
    }

    /** Violations of {@code instance} against the named component schema, e.g. {@code Error}. */
    public List<String> checkComponent(String name, JsonNode instance) {
        return validate("/components/schemas/" + name, instance);
    }

    private List<String> validate(JsonNode schemaNode, JsonNode instance) {
        // Inline schemas are validated in place when they are a $ref; otherwise by their own JSON.
        if (schemaNode.has("$ref")) {
            return validate(schemaNode.get("$ref").asText().substring(1), instance);
        }
        String pointer = pointerOf(schemaNode);
        return validate(pointer, instance);
    }

    private List<String> validate(String pointer, JsonNode instance) {
        Schema schema = schemas.computeIfAbsent(pointer,
                p -> registry.getSchema(SchemaLocation.of(DOCUMENT_IRI + "#" + p)));
        List<String> problems = new ArrayList<>();
        for (Error error : schema.validate(instance)) {
            problems.add(error.toString());
        }
        return problems;
    }

    /** The JSON pointer of a node inside the spec (identity search; the spec is small). */
    private String pointerOf(JsonNode target) {
        String found = find(spec, target, "");
        if (found == null) {
            throw new IllegalArgumentException("schema node is not part of the spec");
        }
        return found;
    }

    private static String find(JsonNode node, JsonNode target, String pointer) {
        if (node == target) {
            return pointer;
        }
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String found = find(field.getValue(), target, pointer + "/" + escape(field.getKey()));
                if (found != null) {
                    return found;
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String found = find(node.get(i), target, pointer + "/" + i);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private JsonNode deref(JsonNode node) {
        JsonNode current = node;
        while (current.has("$ref")) {
            current = spec.at(current.get("$ref").asText().substring(1));
        }
        return current;
    }

    private static JsonNode queryValue(JsonNode schema, String value) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        switch (schema.path("type").asText("string")) {
            case "integer" -> {
                try {
                    return nodes.numberNode(Long.parseLong(value));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            case "boolean" -> {
                return "true".equals(value) || "false".equals(value) ? nodes.booleanNode(Boolean.parseBoolean(value)) : null;
            }
            case "array" -> {
                ArrayNode items = nodes.arrayNode();
                for (String item : value.split(",", -1)) {
                    items.add(item);
                }
                return items;
            }
            default -> {
                return nodes.textNode(value);
            }
        }
    }

    private static void closeObjects(JsonNode schemas) {
        schemas.forEach(E2bSpec::close);
    }

    private static void close(JsonNode schema) {
        if (!(schema instanceof ObjectNode object)) {
            return;
        }
        if (object.has("properties") && !object.has("additionalProperties") && !object.has("allOf")
                && !object.has("anyOf") && !object.has("oneOf")) {
            object.put("additionalProperties", false);
        }
        for (Iterator<JsonNode> children = object.path("properties").elements(); children.hasNext(); ) {
            close(children.next());
        }
        close(object.get("items"));
    }

    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }
}
