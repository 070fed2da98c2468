package dev.agentharness.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.runtime.evals.Dataset;
import dev.agentharness.runtime.evals.DatasetException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A baseline file ({@code {"dataset": "maya.jsonl", "passing": ["case-id", …]}}): read and checked against the
 * dataset before anything runs (an unknown id is an error naming the file and {@code passing[i]}), and rewritten by
 * {@code --update-baseline}.
 */
final class BaselineFiles {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BaselineFiles() {
    }

    static List<String> read(Path file, Dataset dataset) throws DatasetException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new DatasetException(file + ": the baseline file does not exist (create it with --update-baseline)");
        } catch (IOException e) {
            throw new DatasetException(file + ": not a JSON baseline: " + e.getMessage());
        }
        List<String> errors = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw new DatasetException(file + ": a baseline is an object {\"dataset\": …, \"passing\": […]}");
        }
        root.fieldNames().forEachRemaining(name -> {
            if (!name.equals("dataset") && !name.equals("passing")) {
                errors.add(file + ": " + name + ": unknown field");
            }
        });
        JsonNode passing = root.path("passing");
        if (!passing.isArray()) {
            errors.add(file + ": passing: required, an array of case ids");
        }
        if (root.hasNonNull("dataset") && !root.get("dataset").asText().equals(dataset.name())) {
            errors.add(file + ": dataset: names '" + root.get("dataset").asText() + "', not '" + dataset.name() + "'");
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < passing.size(); i++) {
            JsonNode id = passing.get(i);
            if (!id.isTextual()) {
                errors.add(file + ": passing[" + i + "]: must be a case id (a string)");
            } else if (dataset.find(id.asText()).isEmpty()) {
                errors.add(file + ": passing[" + i + "]: no case '" + id.asText() + "' in " + dataset.file());
            } else {
                ids.add(id.asText());
            }
        }
        if (!errors.isEmpty()) {
            throw new DatasetException(errors);
        }
        return ids;
    }

    static void write(Path file, Dataset dataset, List<String> passing) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("dataset", dataset.name());
        passing.forEach(root.putArray("passing")::add);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, JSON.writeValueAsString(root) + "\n");
    }

    /** {@code evals/maya.jsonl} → {@code evals/maya.baseline.json}. */
    static Path defaultFor(Path dataset) {
        String name = dataset.getFileName().toString();
        String stem = name.endsWith(".jsonl") ? name.substring(0, name.length() - ".jsonl".length()) : name;
        return dataset.resolveSibling(stem + ".baseline.json");
    }
}
