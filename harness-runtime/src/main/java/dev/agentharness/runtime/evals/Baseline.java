package dev.agentharness.runtime.evals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cases of a dataset known to pass ({@code evals/<dataset>.baseline.json}:
 * {@code {"dataset": "maya.jsonl", "passing": ["case-id", …]}}). A regression is a listed case that fails or errors
 * now; a case not listed may fail without failing the gate (it is not yet expected to pass).
 */
public record Baseline(Path file, String dataset, Set<String> passing) {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();
    /** One id per line, so that a baseline's diff shows the cases that started or stopped passing. */
    private static final DefaultPrettyPrinter PRINTER =
            new DefaultPrettyPrinter(Separators
                    .createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withArrayEmptySeparator("").withObjectEmptySeparator(""))
                    .withArrayIndenter(new DefaultIndenter("  ", "\n"))
                    .withObjectIndenter(new DefaultIndenter("  ", "\n"));

    public Baseline {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(dataset, "dataset");
        passing = Collections.unmodifiableSet(new TreeSet<>(passing));
    }

    /** {@code evals/maya.baseline.json} for {@code evals/maya.jsonl}: the default baseline next to a dataset. */
    public static Path defaultFile(Path datasetFile) {
        String name = datasetFile.getFileName().toString();
        String stem = name.endsWith(".jsonl") ? name.substring(0, name.length() - ".jsonl".length()) : name;
        return datasetFile.resolveSibling(stem + ".baseline.json");
    }

    public boolean expectsToPass(String caseId) {
        return passing.contains(caseId);
    }

    /**
     * Reads {@code file} and checks it against {@code dataset}: the same dataset name, every listed id a case of it.
     * Errors read {@code <file>: <field>: <problem>}, all of them at once.
     */
    public static Baseline read(Path file, Dataset dataset) throws DatasetException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new DatasetException(file + ": no such file");
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read: " + e.getClass().getSimpleName());
        }
        return parse(file, text, dataset, true);
    }

    /**
     * Parses {@code text} as the baseline {@code file} of {@code dataset}, errors as in {@link #read}. With
     * {@code checkDatasetName} false the {@code dataset} member may name any file (a dataset sent as text, as to
     * {@code POST /agents/{name}/evaluations}, has no file name to match); it is still required.
     */
    public static Baseline parse(Path file, String text, Dataset dataset, boolean checkDatasetName)
            throws DatasetException {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            var location = e.getLocation();
            String where = location == null ? "" : ":" + location.getLineNr() + ":" + location.getColumnNr();
            throw new DatasetException(file + where + ": invalid JSON: " + DatasetReader.jacksonReason(e));
        }
        if (root == null || !root.isObject()) {
            throw new DatasetException(file + ": must be a JSON object {\"dataset\": \"<file name>\", \"passing\": [case ids]}");
        }
        List<String> errors = new ArrayList<>();
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!field.equals("dataset") && !field.equals("passing")) {
                errors.add(file + ": " + Text.truncate(field, 60) + ": unknown field; known: dataset, passing");
            }
        }
        JsonNode datasetNode = root.get("dataset");
        String datasetName = null;
        if (datasetNode == null || !datasetNode.isTextual() || datasetNode.asText().isBlank()) {
            errors.add(file + ": dataset: required: the dataset's file name (" + dataset.name() + ")");
        } else if (checkDatasetName && !datasetNode.asText().equals(dataset.name())) {
            errors.add(file + ": dataset: is the baseline of '" + Text.truncate(datasetNode.asText(), 80)
                    + "', not of " + dataset.name());
        } else {
            datasetName = datasetNode.asText();
        }
        Set<String> passing = new LinkedHashSet<>();
        JsonNode passingNode = root.get("passing");
        if (passingNode == null || !passingNode.isArray()) {
            errors.add(file + ": passing: required: an array of case ids");
        } else {
            for (int i = 0; i < passingNode.size(); i++) {
                JsonNode id = passingNode.get(i);
                String field = file + ": passing[" + i + "]: ";
                if (!id.isTextual()) {
                    errors.add(field + "must be a case id (a string)");
                } else if (dataset.find(id.asText()).isEmpty()) {
                    errors.add(field + "unknown case '" + Text.truncate(id.asText(), 80) + "' (not in " + dataset.file() + ")");
                } else if (!passing.add(id.asText())) {
                    errors.add(field + "'" + id.asText() + "' is listed twice");
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new DatasetException(errors);
        }
        return new Baseline(file, datasetName, passing);
    }

    /**
     * Writes the baseline of {@code dataset} listing {@code passing} (sorted; ids not in the dataset are refused) to
     * {@code file}, replacing it atomically where the file system allows.
     */
    public static Baseline write(Path file, Dataset dataset, Collection<String> passing) throws IOException {
        Set<String> sorted = new TreeSet<>(passing);
        for (String id : sorted) {
            if (dataset.find(id).isEmpty()) {
                throw new IllegalArgumentException("case '" + id + "' is not in " + dataset.file());
            }
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("dataset", dataset.name());
        ArrayNode ids = root.putArray("passing");
        sorted.forEach(ids::add);
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temporary = Files.createTempFile(parent, ".baseline", ".tmp");
        try {
            Files.writeString(temporary, JSON.writer(PRINTER).writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
        return new Baseline(file, dataset.name(), sorted);
    }
}
