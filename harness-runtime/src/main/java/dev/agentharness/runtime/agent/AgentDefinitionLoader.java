package dev.agentharness.runtime.agent;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentharness.runtime.evals.GraderConfigException;
import dev.agentharness.runtime.evals.Graders;
import dev.agentharness.runtime.evals.InlineEvaluator;
import dev.agentharness.runtime.model.ModelSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads declarative agents from {@code *.yaml}/{@code *.yml} files. Validation is done by hand on the
 * YAML tree (not by data binding) so that every error names the file and the exact field.
 *
 * <pre>
 * name: researcher                # required, [a-z][a-z0-9_-]*
 * instructions: |                 # required, non-blank
 *   You research …
 * model: gpt-5.4-mini             # optional, default = the run's model
 * handoff_description: …          # optional
 * tools: [lookup_account]         # names from the ToolRegistry
 * handoffs: [maya]                # agent names, resolved after every file is read
 * model_settings: {temperature: 0.2, top_p: 1.0, max_output_tokens: 800}
 * evaluators:                     # optional: graded after each finished run (evals/Graders, the dataset's kinds)
 *   - {name: short_reply, reply_max_length: 1200}
 *   - {name: helpful, judge: {rubric: "…", threshold: 0.7}, sample: 0.1}
 * </pre>
 */
public final class AgentDefinitionLoader {

    public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]*");

    private static final Set<String> FIELDS = new TreeSet<>(
            List.of("name", "instructions", "model", "handoff_description", "tools", "handoffs", "model_settings",
                    "evaluators"));
    private static final Set<String> SETTINGS_FIELDS = new TreeSet<>(List.of("temperature", "top_p", "max_output_tokens"));

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** A parsed file whose handoffs are not resolved yet. */
    private record Definition(String file, Agent agent, List<InlineEvaluator> evaluators) {
    }

    /** An agent read from a file, with the evaluators declared for its runs. */
    public record Loaded(Agent agent, List<InlineEvaluator> evaluators) {
    }

    private final ToolRegistry tools;
    private final Graders graders;

    /** Judge evaluators are read but cannot judge (no model): for validation and tests. */
    public AgentDefinitionLoader(ToolRegistry tools) {
        this(tools, Graders.withoutJudge());
    }

    public AgentDefinitionLoader(ToolRegistry tools, Graders graders) {
        this.tools = tools;
        this.graders = graders;
    }

    /**
     * Loads every agent file in {@code directory} (sorted by file name, not recursive).
     *
     * @param existing agents already defined (the built-ins): names may not repeat, handoffs may target them
     * @throws AgentDefinitionException for the first bad file
     */
    public List<Agent> load(Path directory, Collection<Agent> existing) {
        return loadWithEvaluators(directory, existing).stream().map(Loaded::agent).toList();
    }

    /** {@link #load}, with each agent's {@code evaluators}. */
    public List<Loaded> loadWithEvaluators(Path directory, Collection<Agent> existing) {
        if (!Files.isDirectory(directory)) {
            throw new AgentDefinitionException(directory + ": agents directory does not exist or is not a directory");
        }
        Map<String, String> definedBy = new LinkedHashMap<>();
        existing.forEach(agent -> definedBy.put(agent.name(), "built-in"));
        List<Definition> definitions = new ArrayList<>();
        for (Path file : agentFiles(directory)) {
            String label = label(directory, file);
            JsonNode root = read(label, file);
            Agent agent = parse(label, root);
            List<InlineEvaluator> evaluators = evaluators(label, root.get("evaluators"));
            String previous = definedBy.putIfAbsent(agent.name(), label);
            if (previous != null) {
                throw new AgentDefinitionException(label + ": name: duplicate agent name '" + agent.name()
                        + "' (already defined by " + previous + ")");
            }
            definitions.add(new Definition(label, agent, evaluators));
        }
        for (Definition definition : definitions) {
            List<String> handoffs = definition.agent().handoffs();
            for (int i = 0; i < handoffs.size(); i++) {
                if (!definedBy.containsKey(handoffs.get(i))) {
                    throw new AgentDefinitionException(definition.file() + ": handoffs[" + i + "]: unknown agent '"
                            + handoffs.get(i) + "' (known: " + String.join(", ", new TreeSet<>(definedBy.keySet())) + ")");
                }
            }
        }
        return definitions.stream().map(d -> new Loaded(d.agent(), d.evaluators())).toList();
    }

    /** {@code evaluators:} through {@link Graders#parseEvaluator}: an error names the file and the field. */
    private List<InlineEvaluator> evaluators(String file, JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new AgentDefinitionException(file + ": evaluators: must be a list of {name, <grader kind>: <config>, "
                    + "sample}");
        }
        List<InlineEvaluator> evaluators = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            InlineEvaluator evaluator;
            try {
                evaluator = graders.parseEvaluator(node.get(i), "evaluators[" + i + "]");
            } catch (GraderConfigException e) {
                throw new AgentDefinitionException(file + ": " + e.getMessage(), e);
            }
            for (InlineEvaluator earlier : evaluators) {
                if (earlier.name().equals(evaluator.name())) {
                    throw new AgentDefinitionException(file + ": evaluators[" + i + "].name: evaluator '"
                            + evaluator.name() + "' is declared twice (scores are stored by name)");
                }
            }
            evaluators.add(evaluator);
        }
        return List.copyOf(evaluators);
    }

    private static List<Path> agentFiles(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(Files::isRegularFile)
                    .filter(file -> file.getFileName().toString().endsWith(".yaml")
                            || file.getFileName().toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
    }

    /** {@code <directory name>/<file name>}: short, and enough to find the file. */
    private static String label(Path directory, Path file) {
        Path dirName = directory.toAbsolutePath().normalize().getFileName();
        return (dirName == null ? "" : dirName + "/") + file.getFileName();
    }

    private static JsonNode read(String label, Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (JacksonException e) {
            JsonLocation location = e.getLocation();
            String where = location == null || location.getLineNr() < 1 ? "" : " at line " + location.getLineNr();
            throw new AgentDefinitionException(label + ": YAML syntax error" + where + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new AgentDefinitionException(label + ": cannot read file: " + e.getMessage(), e);
        }
    }

    private Agent parse(String file, JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new AgentDefinitionException(file + ": expected a mapping of agent fields ("
                    + String.join(", ", FIELDS) + ")");
        }
        rejectUnknown(file, "", root, FIELDS);
        String name = requiredText(file, root, "name");
        if (!NAME.matcher(name).matches()) {
            throw new AgentDefinitionException(file + ": name: '" + name + "' must match " + NAME.pattern());
        }
        String instructions = requiredText(file, root, "instructions");
        String model = optionalText(file, root, "model");
        String handoffDescription = optionalText(file, root, "handoff_description");
        List<FunctionTool> agentTools = new ArrayList<>();
        List<String> toolNames = names(file, root, "tools");
        for (int i = 0; i < toolNames.size(); i++) {
            String toolName = toolNames.get(i);
            int index = i;
            agentTools.add(tools.find(toolName).orElseThrow(() -> new AgentDefinitionException(
                    file + ": tools[" + index + "]: unknown tool '" + toolName + "' (known: "
                            + String.join(", ", tools.names()) + ")")));
            if (toolNames.subList(0, i).contains(toolName)) {
                throw new AgentDefinitionException(file + ": tools[" + i + "]: tool '" + toolName + "' is listed twice");
            }
        }
        List<String> handoffs = names(file, root, "handoffs");
        ModelSettings settings = settings(file, root.get("model_settings"));
        return new Agent(name, handoffDescription, instructions, agentTools, handoffs, List.of(), List.of(), model,
                settings);
    }

    private static void rejectUnknown(String file, String prefix, JsonNode node, Set<String> known) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!known.contains(field)) {
                throw new AgentDefinitionException(file + ": " + prefix + field + ": unknown field (known: "
                        + String.join(", ", known) + ")");
            }
        }
    }

    private static String requiredText(String file, JsonNode root, String field) {
        String value = optionalText(file, root, field);
        if (value == null || value.isBlank()) {
            throw new AgentDefinitionException(file + ": " + field + ": required and must not be blank");
        }
        return value;
    }

    /** Null when the key is absent or empty ({@code model:}). */
    private static String optionalText(String file, JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new AgentDefinitionException(file + ": " + field + ": must be a string");
        }
        return node.asText();
    }

    private static List<String> names(String file, JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new AgentDefinitionException(file + ": " + field + ": must be a list of names");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode element = node.get(i);
            if (!element.isTextual() || element.asText().isBlank()) {
                throw new AgentDefinitionException(file + ": " + field + "[" + i + "]: must be a non-blank name");
            }
            names.add(element.asText().strip());
        }
        return names;
    }

    private static ModelSettings settings(String file, JsonNode node) {
        if (node == null || node.isNull()) {
            return ModelSettings.DEFAULTS;
        }
        if (!node.isObject()) {
            throw new AgentDefinitionException(file + ": model_settings: must be a mapping ("
                    + String.join(", ", SETTINGS_FIELDS) + ")");
        }
        rejectUnknown(file, "model_settings.", node, SETTINGS_FIELDS);
        Double temperature = number(file, node, "temperature", 0.0, 2.0);
        Double topP = number(file, node, "top_p", 0.0, 1.0);
        Integer maxOutputTokens = null;
        JsonNode max = node.get("max_output_tokens");
        if (max != null && !max.isNull()) {
            if (!max.canConvertToInt() || !max.isIntegralNumber() || max.asInt() < 1) {
                throw new AgentDefinitionException(file + ": model_settings.max_output_tokens: must be a positive integer");
            }
            maxOutputTokens = max.asInt();
        }
        return new ModelSettings(temperature, topP, maxOutputTokens, null);
    }

    private static Double number(String file, JsonNode settings, String field, double min, double max) {
        JsonNode node = settings.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber() || node.asDouble() < min || node.asDouble() > max) {
            throw new AgentDefinitionException(file + ": model_settings." + field + ": must be a number between "
                    + min + " and " + max);
        }
        return node.asDouble();
    }
}
