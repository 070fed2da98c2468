package dev.agentharness.runtime.evals;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.agentharness.api.sandbox.ManifestProblem;
import dev.agentharness.api.sandbox.ManifestValidation;
import dev.agentharness.api.sandbox.ManifestValidator;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads a dataset: JSONL, one case per line; blank lines and lines whose first non-blank character is {@code #} are
 * skipped. Every error of the file is collected, each as {@code <file>:<line>: <field>: <problem>}, and reported
 * together in one {@link DatasetException} — nothing is run from a file with an error.
 */
public final class DatasetReader {

    public static final Pattern CASE_ID = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    static final Set<String> FIELDS = new TreeSet<>(List.of("id", "input", "tags", "agent", "model", "history",
            "manifest", "provenance", "expect"));

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Graders graders;

    public DatasetReader(Graders graders) {
        this.graders = Objects.requireNonNull(graders, "graders");
    }

    /** Reads {@code file}; its errors name it as given ({@code evals/maya.jsonl:12: …}). */
    public Dataset read(Path file) throws DatasetException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (NoSuchFileException e) {
            throw new DatasetException(file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new DatasetException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read: " + e.getClass().getSimpleName());
        }
        return parse(file, text);
    }

    /** Parses {@code text} as the content of {@code file} (for tests and in-memory datasets). */
    public Dataset parse(Path file, String text) throws DatasetException {
        List<String> errors = new ArrayList<>();
        List<EvalCase> cases = new ArrayList<>();
        Map<String, Integer> idLines = new HashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNumber = i + 1;
            String line = lines[i];
            String stripped = line.strip();
            if (stripped.isEmpty() || stripped.startsWith("#")) {
                continue;
            }
            String where = file + ":" + lineNumber;
            JsonNode node;
            try {
                node = readLine(line);
            } catch (LineError e) {
                errors.add(where + e.getMessage());
                continue;
            }
            List<String> lineErrors = new ArrayList<>();
            EvalCase evalCase = readCase(node, where, lineErrors);
            for (String error : lineErrors) {
                errors.add(where + ": " + error);
            }
            if (evalCase == null) {
                continue;
            }
            Integer earlier = idLines.putIfAbsent(evalCase.id(), lineNumber);
            if (earlier != null) {
                errors.add(where + ": id: duplicate id '" + evalCase.id() + "' (first on line " + earlier + ")");
                continue;
            }
            cases.add(evalCase);
        }
        if (errors.isEmpty() && cases.isEmpty()) {
            errors.add(file + ": no cases (a dataset has one JSON object per line)");
        }
        if (!errors.isEmpty()) {
            throw new DatasetException(errors);
        }
        return new Dataset(file, cases);
    }

    /** A line that is not one JSON object; the message starts with {@code :<column>: } or {@code : }. */
    private static final class LineError extends Exception {
        LineError(String message) {
            super(message, null, false, false);
        }
    }

    private static JsonNode readLine(String line) throws LineError {
        try (JsonParser parser = JSON.createParser(line)) {
            JsonNode node = JSON.readTree(parser);
            if (node == null || !node.isObject()) {
                throw new LineError(": not a JSON object (each line is one case: {\"id\": …, \"input\": …, \"expect\": {…}})");
            }
            JsonToken trailing = parser.nextToken();
            if (trailing != null) {
                throw new LineError(":" + parser.currentTokenLocation().getColumnNr()
                        + ": invalid JSON: more than one value on the line (one case per line)");
            }
            return node;
        } catch (JsonProcessingException e) {
            JsonLocation location = e.getLocation();
            String column = location == null || location.getColumnNr() < 1 ? "" : ":" + location.getColumnNr();
            throw new LineError(column + ": invalid JSON: " + jacksonReason(e));
        } catch (IOException e) {
            throw new LineError(": invalid JSON: " + e.getClass().getSimpleName());
        }
    }

    /** Jackson's own words without its location details (the line and column are said already). */
    static String jacksonReason(JsonProcessingException e) {
        String reason = e.getOriginalMessage() == null ? "malformed" : e.getOriginalMessage().lines().findFirst().orElse("");
        int marker = reason.indexOf(" (start marker at ");
        if (marker >= 0) {
            reason = reason.substring(0, marker);
        }
        return Text.truncate(reason.replaceAll(" ?\\[Source: [^\\]]*]", ""), Text.LONG);
    }

    /** The case on one line, or {@code null} with {@code errors} ({@code field: problem}) filled. */
    private EvalCase readCase(JsonNode node, String where, List<String> errors) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                errors.add(Text.truncate(field, 60) + ": unknown field; known: " + String.join(", ", FIELDS));
            }
        }
        String id = requiredString(node, "id", errors);
        if (id != null && !CASE_ID.matcher(id).matches()) {
            errors.add("id: '" + Text.truncate(id, 60) + "' must match " + CASE_ID.pattern());
            id = null;
        }
        String input = requiredString(node, "input", errors);
        List<String> tags = strings(node, "tags", errors, false);
        List<String> history = strings(node, "history", errors, true);
        String agent = optionalString(node, "agent", errors);
        String model = optionalString(node, "model", errors);
        String provenance = optionalString(node, "provenance", errors);
        Map<String, Object> manifest = null;
        JsonNode manifestNode = node.get("manifest");
        if (manifestNode != null && !manifestNode.isNull()) {
            if (!manifestNode.isObject()) {
                errors.add("manifest: must be an object (a sandbox manifest)");
            } else {
                manifest = JSON.convertValue(manifestNode, new TypeReference<Map<String, Object>>() {
                });
                // The harness validates it again on POST /runs; here so a bad one stops the dataset before any run.
                ManifestValidation validation = ManifestValidator.validate(manifest);
                for (ManifestProblem problem : validation.problems()) {
                    errors.add("manifest." + problem.field() + ": " + problem.message());
                }
            }
        }
        List<Grader> caseGraders = expectations(node.get("expect"), errors);
        if (!errors.isEmpty()) {
            return null;
        }
        return new EvalCase(id, where, tags, agent, model, input, history, manifest, caseGraders, provenance);
    }

    private List<Grader> expectations(JsonNode expect, List<String> errors) {
        if (expect == null || expect.isNull()) {
            errors.add("expect: required: an object with at least one grader (" + String.join(", ", Graders.KINDS) + ")");
            return List.of();
        }
        if (!expect.isObject() || expect.isEmpty()) {
            errors.add("expect: must be an object with at least one grader (" + String.join(", ", Graders.KINDS) + ")");
            return List.of();
        }
        List<Grader> result = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = expect.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String field = "expect." + entry.getKey();
            try {
                if (!Graders.isKind(entry.getKey())) {
                    throw Graders.unknownKind(entry.getKey(), field);
                }
                result.add(graders.parse(entry.getKey(), entry.getValue(), field));
            } catch (GraderConfigException e) {
                errors.add(e.field() + ": " + e.problem());
            }
        }
        return result;
    }

    private static String requiredString(JsonNode node, String field, List<String> errors) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            errors.add(field + ": required");
            return null;
        }
        if (!value.isTextual()) {
            errors.add(field + ": must be a string");
            return null;
        }
        if (value.asText().isBlank()) {
            errors.add(field + ": must not be blank");
            return null;
        }
        return value.asText();
    }

    private static String optionalString(JsonNode node, String field, List<String> errors) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            errors.add(field + ": must be a non-empty string");
            return null;
        }
        return value.asText();
    }

    private static List<String> strings(JsonNode node, String field, List<String> errors, boolean nonBlank) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            errors.add(field + ": must be an array of strings");
            return List.of();
        }
        List<String> result = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            if (!item.isTextual() || (nonBlank && item.asText().isBlank()) || item.asText().isEmpty()) {
                errors.add(field + "[" + i + "]: must be a non-empty string");
            } else {
                result.add(item.asText());
            }
        }
        return result;
    }
}
