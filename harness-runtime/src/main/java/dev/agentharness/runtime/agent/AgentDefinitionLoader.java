package dev.agentharness.runtime.agent;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentharness.api.agents.AgentCatalog;
import dev.agentharness.api.agents.AgentProblem;
import dev.agentharness.api.agents.AgentSpecValidation;
import dev.agentharness.api.agents.AgentSpecValidator;
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
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads declarative agents from {@code *.yaml}/{@code *.yml} files. A file is either an {@code Agent} custom resource
 * — the one agent format (docs/agents.md), the same document {@code kubectl apply} takes, validated by
 * {@code harness-api agents/AgentSpecValidator} ({@code Source.HARNESS}: {@code sandboxManifestRef} is refused,
 * {@code evaluation} is ignored: the promotion gate is the operator's) —
 *
 * <pre>
 * apiVersion: agentharness.dev/v1alpha1
 * kind: Agent
 * metadata: {name: researcher}
 * spec: {instructions: …, tools: [lookup_account], handoffs: [maya], inputGuardrails: [no_card_numbers]}
 * </pre>
 *
 * or the legacy flat format below (kept; no guardrails, snake_case). Validation is done by hand on the YAML tree (not
 * by data binding) so that every error names the file and the exact field.
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

    /** The {@code apiVersion} and {@code kind} of an agent file in the custom-resource format. */
    public static final String API_VERSION = "agentharness.dev/v1alpha1";
    public static final String KIND = "Agent";
    private static final Set<String> RESOURCE_FIELDS = new TreeSet<>(List.of("apiVersion", "kind", "metadata", "spec"));

    /**
     * A parsed file whose handoffs are not resolved yet: a legacy one ({@code agent} set) or a custom resource
     * ({@code spec} set, validated once every file is read).
     */
    private record Definition(String file, String name, Agent agent, List<InlineEvaluator> evaluators,
                              List<Map<String, Object>> evaluatorDeclarations, Map<String, Object> spec) {

        List<String> handoffs() {
            if (agent != null) {
                return agent.handoffs();
            }
            return spec.get("handoffs") instanceof List<?> list
                    ? list.stream().filter(String.class::isInstance).map(String.class::cast).toList() : List.of();
        }
    }

    /**
     * An agent read from a file, with the evaluators declared for its runs and its spec in the one agent format
     * (registered form: its version is {@code AgentSpecValidation.versionOf(spec)}).
     */
    public record Loaded(Agent agent, List<InlineEvaluator> evaluators, Map<String, Object> spec) {
    }

    private final AgentSpecs specs;
    private final ToolRegistry tools;
    private final Graders graders;

    /** Judge evaluators are read but cannot judge (no model): for validation and tests. */
    public AgentDefinitionLoader(ToolRegistry tools) {
        this(tools, Graders.withoutJudge());
    }

    public AgentDefinitionLoader(ToolRegistry tools, Graders graders) {
        this(new AgentSpecs(tools, GuardrailRegistry.builtIn(), graders));
    }

    public AgentDefinitionLoader(AgentSpecs specs) {
        this.specs = specs;
        this.tools = specs.tools();
        this.graders = specs.graders();
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
        Map<String, List<String>> handoffsByAgent = new LinkedHashMap<>();
        existing.forEach(agent -> {
            definedBy.put(agent.name(), "built-in");
            handoffsByAgent.put(agent.name(), agent.handoffs());
        });
        List<Definition> definitions = new ArrayList<>();
        for (Path file : agentFiles(directory)) {
            String label = label(directory, file);
            JsonNode root = read(label, file);
            Definition definition = isResource(root) ? resource(label, root) : legacy(label, root);
            String previous = definedBy.putIfAbsent(definition.name(), label);
            if (previous != null) {
                throw new AgentDefinitionException(label + ": " + (definition.spec() == null ? "name" : "metadata.name")
                        + ": duplicate agent name '" + definition.name() + "' (already defined by " + previous + ")");
            }
            handoffsByAgent.put(definition.name(), definition.handoffs());
            definitions.add(definition);
        }
        List<Loaded> loaded = new ArrayList<>();
        for (Definition definition : definitions) {
            if (definition.spec() != null) {
                loaded.add(validated(definition, handoffsByAgent));
                continue;
            }
            List<String> handoffs = definition.agent().handoffs();
            for (int i = 0; i < handoffs.size(); i++) {
                if (!definedBy.containsKey(handoffs.get(i))) {
                    throw new AgentDefinitionException(definition.file() + ": handoffs[" + i + "]: unknown agent '"
                            + handoffs.get(i) + "' (known: " + String.join(", ", new TreeSet<>(definedBy.keySet())) + ")");
                }
            }
            loaded.add(new Loaded(definition.agent(), definition.evaluators(),
                    AgentSpecs.specOf(definition.agent(), definition.evaluatorDeclarations())));
        }
        return List.copyOf(loaded);
    }

    private Definition legacy(String label, JsonNode root) {
        Agent agent = parse(label, root);
        List<InlineEvaluator> evaluators = evaluators(label, root.get("evaluators"));
        List<Map<String, Object>> declarations = new ArrayList<>();
        JsonNode node = root.get("evaluators");
        if (node != null && node.isArray()) {
            node.forEach(element -> declarations.add(AgentSpecs.toMap(element)));
        }
        return new Definition(label, agent.name(), agent, evaluators, declarations, null);
    }

    /** A file in the custom-resource format: {@code kind} or {@code apiVersion} at the top. */
    private static boolean isResource(JsonNode root) {
        return root != null && root.isObject() && (root.has("apiVersion") || root.has("kind"));
    }

    private static Definition resource(String label, JsonNode root) {
        rejectUnknown(label, "", root, RESOURCE_FIELDS);
        JsonNode apiVersion = root.get("apiVersion");
        if (apiVersion == null || !API_VERSION.equals(apiVersion.asText(null))) {
            throw new AgentDefinitionException(label + ": apiVersion: must be " + API_VERSION);
        }
        JsonNode kind = root.get("kind");
        if (kind == null || !KIND.equals(kind.asText(null))) {
            throw new AgentDefinitionException(label + ": kind: must be " + KIND);
        }
        JsonNode metadata = root.get("metadata");
        if (metadata == null || !metadata.isObject()) {
            throw new AgentDefinitionException(label + ": metadata: required, with name");
        }
        JsonNode name = metadata.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw new AgentDefinitionException(label + ": metadata.name: required and must not be blank");
        }
        JsonNode spec = root.get("spec");
        if (spec == null || !spec.isObject()) {
            throw new AgentDefinitionException(label + ": spec: must be an object with at least instructions");
        }
        return new Definition(label, name.asText(), null, List.of(), List.of(), AgentSpecs.toMap(spec));
    }

    /** A custom-resource file's spec through the shared validator, then built like a tenant's version. */
    private Loaded validated(Definition definition, Map<String, List<String>> handoffsByAgent) {
        AgentSpecValidation validation = AgentSpecValidator.validate(definition.name(), definition.spec(),
                specs.catalog(agent -> Optional.ofNullable(handoffsByAgent.get(agent))), AgentSpecValidator.Source.HARNESS);
        List<AgentProblem> problems = new ArrayList<>(validation.problems());
        if (validation.valid()) {
            problems.addAll(specs.evaluatorProblems(validation.registered()));
        }
        if (!problems.isEmpty()) {
            throw new AgentDefinitionException(definition.file() + ": " + problems.stream()
                    .map(p -> (p.field().equals("name") ? "metadata.name" : "spec." + p.field()) + ": " + p.message())
                    .collect(Collectors.joining("; ")));
        }
        Map<String, Object> registered = validation.registered();
        AgentSpecs.Built built = specs.build(definition.name(), registered);
        return new Loaded(built.agent(), built.evaluators(), registered);
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
