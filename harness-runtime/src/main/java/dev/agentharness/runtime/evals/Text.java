package dev.agentharness.runtime.evals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;

/** Short, single-line renderings of what a run did, for explanations (never whole replies or tool outputs). */
final class Text {

    static final int SHORT = 120;
    static final int LONG = 300;

    /** Argument names whose values an explanation never shows (as the manifest validator names credentials). */
    private static final Pattern CREDENTIAL_FIELD = Pattern.compile(
            "(?i).*(secret|password|passwd|token|credential|access_key|account_key|api_key|apikey|private_key"
                    + "|authorization).*");
    private static final TextNode REDACTED = TextNode.valueOf("[redacted]");

    private Text() {
    }

    /** A copy of {@code value} with the values of credential-like fields replaced by {@code [redacted]}. */
    static JsonNode redacted(JsonNode value) {
        if (value.isObject()) {
            ObjectNode copy = ((ObjectNode) value).objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                copy.set(field.getKey(), CREDENTIAL_FIELD.matcher(field.getKey()).matches() ? REDACTED
                        : redacted(field.getValue()));
            }
            return copy;
        }
        if (value.isArray()) {
            var copy = ((com.fasterxml.jackson.databind.node.ArrayNode) value).arrayNode();
            value.forEach(item -> copy.add(redacted(item)));
            return copy;
        }
        return value;
    }

    /** {@code text} on one line, cut to {@code max} characters with an ellipsis. */
    static String truncate(String text, int max) {
        if (text == null) {
            return "null";
        }
        String oneLine = text.replaceAll("\\s+", " ").strip();
        if (oneLine.length() <= max) {
            return oneLine;
        }
        int end = max;
        if (Character.isHighSurrogate(oneLine.charAt(end - 1))) {
            end--;
        }
        return oneLine.substring(0, end) + "…";
    }

    /** {@code "text"} quoted and cut to {@link #SHORT}. */
    static String quote(String text) {
        return text == null ? "null" : "\"" + truncate(text, SHORT) + "\"";
    }
}
