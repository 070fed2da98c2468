package dev.agentharness.fakes.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.HashSet;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Rejects {@code POST /v1/responses} bodies the real API would reject with 400, so a harness bug
 * (an orphan tool output, a non-strict schema) fails in tests instead of in production.
 * Only the rules the harness can break are checked; unknown fields are accepted, as the API does.
 */
public final class RequestValidator {

    /** Why a request is invalid, in the API's words: {@code param} names the offending field. */
    public record Violation(String message, String param) {
    }

    private static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");
    private static final Pattern TOOL_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    private RequestValidator() {
    }

    public static Optional<Violation> validate(JsonNode body) {
        if (body == null || !body.isObject()) {
            return violation("We could not parse the JSON body of your request.", null);
        }
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            return violation("Missing required parameter: 'model'.", "model");
        }
        Optional<Violation> input = validateInput(body.get("input"));
        return input.isPresent() ? input : validateTools(body.get("tools"));
    }

    private static Optional<Violation> validateInput(JsonNode input) {
        if (input == null || input.isNull() || input.isTextual()) {
            return Optional.empty();
        }
        if (!input.isArray()) {
            return violation("Invalid type for 'input': expected a string or an array of input items.", "input");
        }
        Set<String> callIds = new HashSet<>();
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String param = "input[" + i + "]";
            if (!item.isObject()) {
                return violation("Invalid type for '" + param + "': expected an object.", param);
            }
            String type = item.path("type").asText("message");
            Optional<Violation> problem = switch (type) {
                case "message" -> validateMessage(item, param);
                case "function_call" -> validateFunctionCall(item, param, callIds);
                case "function_call_output" -> validateFunctionCallOutput(item, param, callIds);
                default -> violation("Invalid value: '" + type + "'. Supported values for '" + param
                        + ".type' here are: 'message', 'function_call' and 'function_call_output'.", param + ".type");
            };
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    private static Optional<Violation> validateMessage(JsonNode item, String param) {
        String role = item.path("role").asText(null);
        if (role == null || !ROLES.contains(role)) {
            return violation("Invalid value for '" + param + ".role': expected one of 'user', 'assistant', "
                    + "'system' or 'developer'.", param + ".role");
        }
        JsonNode content = item.get("content");
        if (content == null || !(content.isTextual() || content.isArray())) {
            return violation("Missing required parameter: '" + param + ".content'.", param + ".content");
        }
        for (int j = 0; content.isArray() && j < content.size(); j++) {
            if (!content.get(j).path("type").isTextual()) {
                return violation("Missing required parameter: '" + param + ".content[" + j + "].type'.",
                        param + ".content[" + j + "].type");
            }
        }
        return Optional.empty();
    }

    private static Optional<Violation> validateFunctionCall(JsonNode item, String param, Set<String> callIds) {
        for (String field : new String[] {"call_id", "name", "arguments"}) {
            if (!item.path(field).isTextual()) {
                return violation("Missing required parameter: '" + param + "." + field + "'.", param + "." + field);
            }
        }
        callIds.add(item.get("call_id").asText());
        return Optional.empty();
    }

    private static Optional<Violation> validateFunctionCallOutput(JsonNode item, String param, Set<String> callIds) {
        JsonNode callId = item.get("call_id");
        if (callId == null || !callId.isTextual()) {
            return violation("Missing required parameter: '" + param + ".call_id'.", param + ".call_id");
        }
        if (!callIds.contains(callId.asText())) {
            return violation("No tool call found for function call output with call_id " + callId.asText() + ".",
                    "input");
        }
        JsonNode output = item.get("output");
        if (output == null || !(output.isTextual() || output.isArray())) {
            return violation("Missing required parameter: '" + param + ".output'.", param + ".output");
        }
        return Optional.empty();
    }

    private static Optional<Violation> validateTools(JsonNode tools) {
        if (tools == null || tools.isNull()) {
            return Optional.empty();
        }
        if (!tools.isArray()) {
            return violation("Invalid type for 'tools': expected an array.", "tools");
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String param = "tools[" + i + "]";
            if (!"function".equals(tool.path("type").asText())) {
                return violation("Invalid value for '" + param + ".type': this fake accepts only 'function' tools.",
                        param + ".type");
            }
            if (!TOOL_NAME.matcher(tool.path("name").asText("")).matches()) {
                return violation("Invalid '" + param + ".name': string does not match pattern '^[a-zA-Z0-9_-]+$'.",
                        param + ".name");
            }
            JsonNode parameters = tool.get("parameters");
            if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
                return violation("Invalid type for '" + param + ".parameters': expected an object.",
                        param + ".parameters");
            }
            // The Responses API treats an absent "strict" as true.
            boolean strict = tool.path("strict").asBoolean(true);
            if (strict && parameters != null && parameters.isObject()) {
                Optional<String> schemaProblem = strictSchemaProblem(parameters, "");
                if (schemaProblem.isPresent()) {
                    return violation("Invalid schema for function '" + tool.path("name").asText() + "': "
                            + schemaProblem.get(), param + ".parameters");
                }
            }
        }
        return Optional.empty();
    }

    /** The first strict-mode rule {@code schema} breaks, with a JSON-pointer-like location. */
    private static Optional<String> strictSchemaProblem(JsonNode schema, String at) {
        if (!schema.isObject()) {
            return Optional.empty();
        }
        if (isObjectType(schema)) {
            String where = at.isEmpty() ? "the root schema" : "context=('" + at + "')";
            if (!schema.path("additionalProperties").isBoolean() || schema.get("additionalProperties").asBoolean()) {
                return Optional.of("In " + where + ", 'additionalProperties' is required to be supplied and to be false.");
            }
            JsonNode properties = schema.path("properties");
            Set<String> required = new HashSet<>();
            schema.path("required").forEach(name -> required.add(name.asText()));
            for (Iterator<String> names = properties.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!required.contains(name)) {
                    return Optional.of("In " + where + ", 'required' is required to be supplied and to be an array "
                            + "including every key in properties. Missing '" + name + "'.");
                }
            }
        }
        for (String container : new String[] {"properties", "$defs", "definitions"}) {
            for (Iterator<java.util.Map.Entry<String, JsonNode>> fields = schema.path(container).fields(); fields.hasNext(); ) {
                var field = fields.next();
                Optional<String> problem = strictSchemaProblem(field.getValue(), at + "/" + container + "/" + field.getKey());
                if (problem.isPresent()) {
                    return problem;
                }
            }
        }
        Optional<String> items = strictSchemaProblem(schema.path("items"), at + "/items");
        if (items.isPresent()) {
            return items;
        }
        for (String combinator : new String[] {"anyOf", "oneOf", "allOf"}) {
            JsonNode options = schema.path(combinator);
            for (int i = 0; i < options.size(); i++) {
                Optional<String> problem = strictSchemaProblem(options.get(i), at + "/" + combinator + "/" + i);
                if (problem.isPresent()) {
                    return problem;
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isObjectType(JsonNode schema) {
        JsonNode type = schema.path("type");
        if (type.isTextual()) {
            return "object".equals(type.asText());
        }
        for (JsonNode option : type) {
            if ("object".equals(option.asText())) {
                return true;
            }
        }
        return false;
    }

    private static Optional<Violation> violation(String message, String param) {
        return Optional.of(new Violation(message, param));
    }
}
