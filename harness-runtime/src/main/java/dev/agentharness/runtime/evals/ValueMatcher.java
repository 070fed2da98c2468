package dev.agentharness.runtime.evals;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What a tool argument or a {@code reply_json} value must be. Written in a dataset as: a JSON literal (equal; numbers
 * compare numerically), {@code {"$regex": "…"}} (found anywhere in the value's text), {@code {"$contains": "…"}}
 * (case-insensitive), {@code {"$exists": true|false}}, or an object without {@code $} keys (its fields match, other
 * fields may exist: a partial object).
 */
sealed interface ValueMatcher {

    /** {@code actual} is {@code null} when the value is absent. */
    boolean matches(JsonNode actual);

    /** How the expectation reads in an explanation: {@code "ACME-1001"}, {@code ~/ACME-\d+/}. */
    String describe();

    List<String> OPERATORS = List.of("$contains", "$exists", "$regex");

    static ValueMatcher parse(JsonNode node, String field) throws GraderConfigException {
        if (node == null || node.isMissingNode()) {
            throw new GraderConfigException(field, "a matcher is required");
        }
        if (!node.isObject()) {
            return new Equals(node);
        }
        List<String> operators = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        node.fieldNames().forEachRemaining(name -> (name.startsWith("$") ? operators : fields).add(name));
        if (operators.isEmpty()) {
            Map<String, ValueMatcher> fieldMatchers = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                fieldMatchers.put(entry.getKey(), parse(entry.getValue(), field + "." + entry.getKey()));
            }
            return new PartialObject(fieldMatchers);
        }
        if (!fields.isEmpty() || operators.size() > 1) {
            throw new GraderConfigException(field, "a matcher object has exactly one $ operator and no other fields "
                    + "(found " + String.join(", ", operators) + (fields.isEmpty() ? "" : ", " + String.join(", ", fields))
                    + "); known operators: " + String.join(", ", OPERATORS));
        }
        String operator = operators.getFirst();
        JsonNode operand = node.get(operator);
        String operandField = field + "." + operator;
        return switch (operator) {
            case "$regex" -> {
                if (!operand.isTextual()) {
                    throw new GraderConfigException(operandField, "must be a string (a Java regular expression)");
                }
                yield new Regex(compile(operand.asText(), operandField));
            }
            case "$contains" -> {
                if (!operand.isTextual() || operand.asText().isEmpty()) {
                    throw new GraderConfigException(operandField, "must be a non-empty string");
                }
                yield new Contains(operand.asText());
            }
            case "$exists" -> {
                if (!operand.isBoolean()) {
                    throw new GraderConfigException(operandField, "must be true or false");
                }
                yield new Exists(operand.asBoolean());
            }
            default -> throw new GraderConfigException(field + "." + operator, "unknown matcher '" + operator
                    + "'; known: " + String.join(", ", OPERATORS));
        };
    }

    static Pattern compile(String regex, String field) throws GraderConfigException {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new GraderConfigException(field, "invalid regular expression: "
                    + e.getDescription() + " near index " + e.getIndex());
        }
    }

    /** The value's text as a matcher reads it: a string as itself, anything else as compact JSON. */
    static String text(JsonNode value) {
        return value.isValueNode() ? value.asText() : value.toString();
    }

    static String render(JsonNode actual) {
        return actual == null || actual.isMissingNode() ? "absent" : Text.truncate(actual.toString(), Text.SHORT);
    }

    record Equals(JsonNode expected) implements ValueMatcher {
        @Override
        public boolean matches(JsonNode actual) {
            return actual != null && !actual.isMissingNode() && same(expected, actual);
        }

        private static boolean same(JsonNode a, JsonNode b) {
            if (a.isNumber() && b.isNumber()) {
                return compare(a.decimalValue(), b.decimalValue());
            }
            if (a.isArray() && b.isArray()) {
                if (a.size() != b.size()) {
                    return false;
                }
                for (int i = 0; i < a.size(); i++) {
                    if (!same(a.get(i), b.get(i))) {
                        return false;
                    }
                }
                return true;
            }
            if (a.isObject() && b.isObject()) {
                if (a.size() != b.size()) {
                    return false;
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = it.next();
                    JsonNode other = b.get(entry.getKey());
                    if (other == null || !same(entry.getValue(), other)) {
                        return false;
                    }
                }
                return true;
            }
            return a.equals(b);
        }

        private static boolean compare(BigDecimal a, BigDecimal b) {
            return a.compareTo(b) == 0;
        }

        @Override
        public String describe() {
            return Text.truncate(expected.toString(), Text.SHORT);
        }
    }

    record Regex(Pattern pattern) implements ValueMatcher {
        @Override
        public boolean matches(JsonNode actual) {
            return actual != null && !actual.isMissingNode() && !actual.isNull()
                    && pattern.matcher(text(actual)).find();
        }

        @Override
        public String describe() {
            return "~/" + Text.truncate(pattern.pattern(), Text.SHORT) + "/";
        }
    }

    record Contains(String needle) implements ValueMatcher {
        @Override
        public boolean matches(JsonNode actual) {
            return actual != null && !actual.isMissingNode() && !actual.isNull()
                    && text(actual).toLowerCase(Locale.ROOT).contains(needle.toLowerCase(Locale.ROOT));
        }

        @Override
        public String describe() {
            return "containing " + Text.quote(needle);
        }
    }

    record Exists(boolean present) implements ValueMatcher {
        @Override
        public boolean matches(JsonNode actual) {
            boolean exists = actual != null && !actual.isMissingNode();
            return exists == present;
        }

        @Override
        public String describe() {
            return present ? "present" : "absent";
        }
    }

    record PartialObject(Map<String, ValueMatcher> fields) implements ValueMatcher {
        @Override
        public boolean matches(JsonNode actual) {
            if (actual == null || !actual.isObject()) {
                return false;
            }
            for (Map.Entry<String, ValueMatcher> entry : fields.entrySet()) {
                if (!entry.getValue().matches(actual.get(entry.getKey()))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String describe() {
            List<String> parts = new ArrayList<>();
            fields.forEach((name, matcher) -> parts.add(name + ": " + matcher.describe()));
            return "{" + String.join(", ", parts) + ", …}";
        }
    }
}
