package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.agentharness.api.RunStatus;
import dev.agentharness.runtime.agent.StepKind;
import dev.agentharness.runtime.observability.SignedLinkRedaction;
import dev.agentharness.runtime.state.JournalStep;
import dev.agentharness.runtime.state.RunRecord;

import java.time.OffsetDateTime;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * What of a journal step may leave the harness as a run event (the journal contract, "Redaction"): tool payloads and
 * message contents are sensitive, as in traces with sensitive capture off — {@code arguments} of tool calls and
 * function calls, {@code output} of tool results and the {@code text} of message items go; names, ids, counts, times
 * and errors stay, as does the terminal {@code reply} (the caller reads it from {@code GET /runs/{id}} anyway). Every
 * string left passes through {@link SignedLinkRedaction#redactText}, like span attributes.
 */
final class RunEventRedaction {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ENVELOPE = Set.of("seq", "kind", "at");

    private RunEventRedaction() {
    }

    /** The event of a stored step: its redacted payload under {@code seq}, {@code kind} and {@code at}. */
    static RunEvent event(JournalStep step) {
        ObjectNode data = envelope(step.seq(), step.kind(), step.createdAt());
        JsonNode payload = parse(step.payloadJson());
        if (payload instanceof ObjectNode fields) {
            dropSensitive(step.kind(), fields);
            copyRedacted(fields, data);
        }
        return new RunEvent(step.seq(), step.kind(), data.toString());
    }

    /**
     * A terminal event made from the run row, for a run that ended without writing a terminal step (finished before
     * the journal existed, or failed by a path that writes none). It has no {@code seq}: every number belongs to a step.
     */
    static RunEvent synthesizedEnd(RunRecord run) {
        String kind = "run_" + run.status().wire();
        ObjectNode data = envelope(null, kind, run.completedAt() != null ? run.completedAt() : run.updatedAt());
        ObjectNode end = JsonNodeFactory.instance.objectNode().put("status", run.status().wire());
        if (run.status() == RunStatus.SUCCEEDED) {
            end.put("reply", run.reply()).put("turns", run.turns()).put("input_tokens", run.inputTokens())
                    .put("output_tokens", run.outputTokens());
        } else {
            end.put("reason", run.reason()).putNull("message");
        }
        copyRedacted(end, data);
        return new RunEvent(null, kind, data.toString());
    }

    private static void dropSensitive(String kind, ObjectNode payload) {
        switch (StepKind.fromWire(kind)) {
            case TOOL_STARTED -> payload.remove("arguments");
            case TOOL_OUTPUT -> payload.remove("output");
            case MODEL_RESPONSE -> {
                if (payload.get("output") instanceof ArrayNode items) {
                    items.forEach(item -> {
                        if (item instanceof ObjectNode fields) {
                            fields.remove("arguments");
                            fields.remove("text");
                        }
                    });
                }
            }
            default -> {
                // the other kinds carry names, ids, counts, times, errors and the final reply only
            }
        }
    }

    private static ObjectNode envelope(Integer seq, String kind, OffsetDateTime at) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        if (seq == null) {
            data.putNull("seq");
        } else {
            data.put("seq", seq);
        }
        data.put("kind", kind);
        data.put("at", at == null ? null : at.toInstant().toString());
        return data;
    }

    /** Copies the payload's fields (not the envelope's names: the journal's own seq, kind and time win). */
    private static void copyRedacted(ObjectNode payload, ObjectNode into) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = payload.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!ENVELOPE.contains(field.getKey())) {
                into.set(field.getKey(), redactStrings(field.getValue()));
            }
        }
    }

    private static JsonNode redactStrings(JsonNode node) {
        if (node.isTextual()) {
            String redacted = SignedLinkRedaction.redactText(node.textValue());
            return redacted.equals(node.textValue()) ? node : TextNode.valueOf(redacted);
        }
        if (node instanceof ObjectNode object) {
            object.fields().forEachRemaining(field -> field.setValue(redactStrings(field.getValue())));
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                array.set(i, redactStrings(array.get(i)));
            }
        }
        return node;
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            // payload is jsonb: it always parses; an unreadable one is shown as nothing rather than as text
            return JsonNodeFactory.instance.objectNode();
        }
    }
}
