package dev.agentharness.api.agents;

import dev.agentharness.api.sandbox.ManifestProblem;
import dev.agentharness.api.sandbox.ManifestValidation;
import dev.agentharness.api.sandbox.ManifestValidator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Validates and normalises an agent spec — the one format of an agent, whether it is the {@code spec} of an
 * {@code Agent} custom resource, the body of {@code PUT /agents/{name}} or an agent file the harness reads at boot
 * (docs/agents.md). Shared by the harness and the operator, so both accept exactly the same agents; collects every
 * problem instead of stopping at the first, each naming its field.
 *
 * <pre>
 * instructions: …                 # required, non-blank
 * description: …                  # what other agents see when they may hand off to this one
 * model: gpt-5.4-mini             # default: the run's model
 * modelSettings: {temperature: 0.2, topP: 1.0, maxOutputTokens: 800}
 * tools: [lookup_account]         # names from the harness's tool registry (sandbox tools included)
 * handoffs: [billing]             # other agents of the tenant (or built-ins); no cycles
 * inputGuardrails: [no_card_numbers]
 * outputGuardrails: [no_card_numbers]
 * sandboxManifest: {…}            # default manifest for runs that bring none (SPEC §8)
 * sandboxManifestRef: {name: …}   # Kubernetes only: a SandboxManifest of the namespace, resolved by the operator
 * evaluators: [{name: short_reply, reply_max_length: 1200}]
 * evaluation:                     # the promotion gate (the operator's): not part of the version
 *   goldenSet: {configMapKeyRef: {name: maya-golden, key: golden.jsonl}}   # or {git: {url, ref, path}}
 *   baseline:  {configMapKeyRef: {name: maya-golden, key: baseline.json}}  # optional
 *   threshold: 0.9                # pass rate in [0, 1], default 1.0
 * </pre>
 */
public final class AgentSpecValidator {

    /** An agent's name: the same rule as an AgentRun's {@code spec.agent}. */
    public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,62}");
    public static final Pattern MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:/-]{0,99}");
    /** Where a spec comes from decides what it may contain. */
    public enum Source {
        /** {@code PUT /agents/{name}} and agent files: {@code sandboxManifestRef} cannot be resolved. */
        HARNESS,
        /** An {@code Agent} custom resource: {@code sandboxManifestRef} names a SandboxManifest of the namespace. */
        KUBERNETES
    }

    public static final int MAX_INSTRUCTIONS_CHARS = 65536;
    public static final int MAX_DESCRIPTION_CHARS = 1024;
    public static final int MAX_LIST = 64;

    public static final Set<String> FIELDS = new TreeSet<>(List.of("instructions", "description", "model",
            "modelSettings", "tools", "handoffs", "inputGuardrails", "outputGuardrails", "sandboxManifest",
            "sandboxManifestRef", "evaluators", "evaluation"));
    public static final Set<String> SETTINGS_FIELDS = new TreeSet<>(List.of("temperature", "topP", "maxOutputTokens"));
    private static final Set<String> EVALUATION_FIELDS = new TreeSet<>(List.of("goldenSet", "baseline", "threshold"));
    private static final Set<String> SOURCE_FIELDS = new TreeSet<>(List.of("configMapKeyRef", "git"));
    private static final Set<String> CONFIG_MAP_FIELDS = new TreeSet<>(List.of("name", "key"));
    private static final Set<String> GIT_FIELDS = new TreeSet<>(List.of("url", "ref", "path"));
    private static final Pattern K8S_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Pattern CONFIG_KEY = Pattern.compile("[-._a-zA-Z0-9]{1,253}");
    private static final Pattern GIT_URL = Pattern.compile("(https://|file://|ssh://|git@)\\S{1,2000}");

    private AgentSpecValidator() {
    }

    /**
     * Never throws on bad input.
     *
     * @param name the agent's name ({@code metadata.name}, the path's {@code {name}}, a file's {@code name})
     * @param spec the spec as parsed JSON/YAML: Maps, Lists, Strings, Numbers, Booleans
     */
    public static AgentSpecValidation validate(String name, Map<String, Object> spec, AgentCatalog catalog,
                                               Source source) {
        List<AgentProblem> problems = new ArrayList<>();
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add(new AgentProblem("name", "must match " + NAME.pattern()
                    + " (lower-case letters, digits, '-' and '_', starting with a letter, at most 63)"));
        } else {
            catalog.reservedName(name).ifPresent(why -> problems.add(new AgentProblem("name", why)));
        }
        if (spec == null) {
            problems.add(new AgentProblem("spec", "must be an object with at least instructions"));
            return new AgentSpecValidation(null, problems);
        }
        for (String field : new TreeSet<>(spec.keySet())) {
            if (!FIELDS.contains(field)) {
                problems.add(new AgentProblem(field, "unknown field (allowed: " + String.join(", ", FIELDS) + ")"));
            }
        }
        Map<String, Object> normalised = new LinkedHashMap<>();
        String instructions = text(spec, "instructions", MAX_INSTRUCTIONS_CHARS, problems);
        if (instructions == null || instructions.isBlank()) {
            if (problems.stream().noneMatch(p -> p.field().equals("instructions"))) {
                problems.add(new AgentProblem("instructions", "required and must not be blank"));
            }
        } else {
            normalised.put("instructions", instructions);
        }
        String description = text(spec, "description", MAX_DESCRIPTION_CHARS, problems);
        if (description != null && !description.isBlank()) {
            normalised.put("description", description.strip());
        }
        String model = text(spec, "model", 100, problems);
        if (model != null && !model.isBlank()) {
            if (!MODEL.matcher(model.strip()).matches()) {
                problems.add(new AgentProblem("model", "must match " + MODEL.pattern()));
            } else {
                normalised.put("model", model.strip());
            }
        }
        Map<String, Object> settings = settings(spec.get("modelSettings"), problems);
        if (settings != null && !settings.isEmpty()) {
            normalised.put("modelSettings", settings);
        }
        List<String> tools = names(spec, "tools", problems);
        catalog.tools().ifPresent(known -> unknown(tools, "tools", "tool", known, problems));
        putList(normalised, "tools", tools);
        List<String> handoffs = names(spec, "handoffs", problems);
        handoffs(name, handoffs, catalog, problems);
        putList(normalised, "handoffs", handoffs);
        for (String field : List.of("inputGuardrails", "outputGuardrails")) {
            List<String> guardrails = names(spec, field, problems);
            catalog.guardrails().ifPresent(known -> unknown(guardrails, field, "guardrail", known, problems));
            putList(normalised, field, guardrails);
        }
        manifest(spec, source, normalised, problems);
        List<Object> evaluators = evaluators(spec.get("evaluators"), problems);
        if (evaluators != null && !evaluators.isEmpty()) {
            normalised.put("evaluators", evaluators);
        }
        Map<String, Object> evaluation = evaluation(spec.get("evaluation"), problems);
        if (evaluation != null) {
            normalised.put("evaluation", evaluation);
        }
        return problems.isEmpty() ? new AgentSpecValidation(normalised, List.of())
                : new AgentSpecValidation(null, problems);
    }

    private static String text(Map<String, Object> spec, String field, int maxChars, List<AgentProblem> problems) {
        Object value = spec.get(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String s)) {
            problems.add(new AgentProblem(field, "must be a string"));
            return null;
        }
        if (s.length() > maxChars) {
            problems.add(new AgentProblem(field, "is " + s.length() + " characters; at most " + maxChars));
            return null;
        }
        return s;
    }

    private static Map<String, Object> settings(Object value, List<AgentProblem> problems) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Map<?, ?> map)) {
            problems.add(new AgentProblem("modelSettings", "must be an object ("
                    + String.join(", ", SETTINGS_FIELDS) + ")"));
            return null;
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        for (Object key : new TreeSet<>(map.keySet().stream().map(String::valueOf).toList())) {
            if (!SETTINGS_FIELDS.contains(key)) {
                problems.add(new AgentProblem("modelSettings." + key, "unknown field (allowed: "
                        + String.join(", ", SETTINGS_FIELDS) + ")"));
            }
        }
        number(map.get("temperature"), "modelSettings.temperature", 0, 2, problems)
                .ifPresent(n -> settings.put("temperature", n));
        number(map.get("topP"), "modelSettings.topP", 0, 1, problems).ifPresent(n -> settings.put("topP", n));
        Object max = map.get("maxOutputTokens");
        if (max != null) {
            if (!(max instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < 1
                    || n.doubleValue() > Integer.MAX_VALUE) {
                problems.add(new AgentProblem("modelSettings.maxOutputTokens", "must be a positive integer"));
            } else {
                settings.put("maxOutputTokens", n.intValue());
            }
        }
        return settings;
    }

    /** Numbers normalised to double so {@code 1} and {@code 1.0} give one version. */
    private static Optional<Double> number(Object value, String field, double min, double max,
                                           List<AgentProblem> problems) {
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < min
                || n.doubleValue() > max) {
            problems.add(new AgentProblem(field, "must be a number between " + min + " and " + max));
            return Optional.empty();
        }
        return Optional.of(n.doubleValue());
    }

    private static List<String> names(Map<String, Object> spec, String field, List<AgentProblem> problems) {
        Object value = spec.get(field);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            problems.add(new AgentProblem(field, "must be a list of names"));
            return List.of();
        }
        if (list.size() > MAX_LIST) {
            problems.add(new AgentProblem(field, "lists " + list.size() + " names; at most " + MAX_LIST));
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Object element = list.get(i);
            if (!(element instanceof String s) || s.isBlank()) {
                problems.add(new AgentProblem(field + "[" + i + "]", "must be a non-blank name"));
                continue;
            }
            String stripped = s.strip();
            if (names.contains(stripped)) {
                problems.add(new AgentProblem(field + "[" + i + "]", "'" + stripped + "' is listed twice"));
                continue;
            }
            names.add(stripped);
        }
        return names;
    }

    private static void unknown(List<String> names, String field, String what, Set<String> known,
                                List<AgentProblem> problems) {
        for (int i = 0; i < names.size(); i++) {
            if (!known.contains(names.get(i))) {
                problems.add(new AgentProblem(field + "[" + i + "]", "unknown " + what + " '" + names.get(i)
                        + "' (known: " + String.join(", ", new TreeSet<>(known)) + ")"));
            }
        }
    }

    private static void handoffs(String name, List<String> handoffs, AgentCatalog catalog,
                                 List<AgentProblem> problems) {
        for (int i = 0; i < handoffs.size(); i++) {
            String target = handoffs.get(i);
            String field = "handoffs[" + i + "]";
            if (!NAME.matcher(target).matches()) {
                problems.add(new AgentProblem(field, "'" + target + "' is not an agent name (must match "
                        + NAME.pattern() + ")"));
            } else if (target.equals(name)) {
                problems.add(new AgentProblem(field, "an agent cannot hand off to itself"));
            } else if (catalog.handoffsOf(target).isEmpty()) {
                problems.add(new AgentProblem(field, "unknown agent '" + target + "'"));
            } else {
                cycle(name, target, catalog).ifPresent(path -> problems.add(new AgentProblem(field,
                        "handoff cycle " + name + " → " + String.join(" → ", path)
                                + ": an agent may not be handed back to through its own handoffs")));
            }
        }
    }

    /** The path from {@code start} back to {@code name} through the catalog's handoffs, if there is one. */
    private static Optional<List<String>> cycle(String name, String start, AgentCatalog catalog) {
        Deque<List<String>> paths = new ArrayDeque<>();
        paths.add(List.of(start));
        Set<String> seen = new HashSet<>(Set.of(start));
        while (!paths.isEmpty()) {
            List<String> path = paths.poll();
            for (String next : catalog.handoffsOf(path.getLast()).orElse(List.of())) {
                List<String> longer = new ArrayList<>(path);
                longer.add(next);
                if (next.equals(name)) {
                    return Optional.of(longer);
                }
                if (seen.add(next)) {
                    paths.add(longer);
                }
            }
        }
        return Optional.empty();
    }

    private static void putList(Map<String, Object> normalised, String field, List<String> names) {
        if (!names.isEmpty()) {
            normalised.put(field, List.copyOf(names));
        }
    }

    @SuppressWarnings("unchecked")
    private static void manifest(Map<String, Object> spec, Source source, Map<String, Object> normalised,
                                 List<AgentProblem> problems) {
        Object inline = spec.get("sandboxManifest");
        Object ref = spec.get("sandboxManifestRef");
        if (inline != null && ref != null) {
            problems.add(new AgentProblem("sandboxManifestRef", "set either sandboxManifest or sandboxManifestRef, "
                    + "not both"));
            return;
        }
        if (ref != null) {
            if (source == Source.HARNESS) {
                problems.add(new AgentProblem("sandboxManifestRef", "only the Kubernetes operator resolves a "
                        + "SandboxManifest reference; give the manifest itself as sandboxManifest"));
            } else if (!(ref instanceof Map<?, ?> map) || !(map.get("name") instanceof String refName)
                    || !K8S_NAME.matcher(refName).matches() || map.size() != 1) {
                problems.add(new AgentProblem("sandboxManifestRef", "must be {name: <SandboxManifest in this "
                        + "namespace>}"));
            } else {
                normalised.put("sandboxManifestRef", Map.of("name", refName));
            }
            return;
        }
        if (inline == null) {
            return;
        }
        if (!(inline instanceof Map<?, ?>)) {
            problems.add(new AgentProblem("sandboxManifest", "must be an object (SPEC §8 manifest)"));
            return;
        }
        ManifestValidation validation = ManifestValidator.validate((Map<String, Object>) inline);
        if (!validation.valid()) {
            for (ManifestProblem problem : validation.problems()) {
                problems.add(new AgentProblem("sandboxManifest." + problem.field(), problem.message()));
            }
            return;
        }
        normalised.put("sandboxManifest", validation.manifest().toJson());
    }

    /** Shape only: each an object with a unique {@code name}; the harness checks the grader configuration. */
    private static List<Object> evaluators(Object value, List<AgentProblem> problems) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof List<?> list)) {
            problems.add(new AgentProblem("evaluators", "must be a list of {name, <grader kind>: <config>, sample}"));
            return null;
        }
        List<Object> evaluators = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String field = "evaluators[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> map)) {
                problems.add(new AgentProblem(field, "must be an object {name, <grader kind>: <config>, sample}"));
                continue;
            }
            if (!(map.get("name") instanceof String evaluator) || !NAME.matcher(evaluator).matches()) {
                problems.add(new AgentProblem(field + ".name", "required, must match " + NAME.pattern()));
                continue;
            }
            if (!names.add(evaluator)) {
                problems.add(new AgentProblem(field + ".name", "evaluator '" + evaluator
                        + "' is declared twice (scores are stored by name)"));
                continue;
            }
            evaluators.add(map);
        }
        return evaluators;
    }

    private static Map<String, Object> evaluation(Object value, List<AgentProblem> problems) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Map<?, ?> map)) {
            problems.add(new AgentProblem("evaluation", "must be an object {goldenSet, baseline, threshold}"));
            return null;
        }
        for (Object key : new TreeSet<>(map.keySet().stream().map(String::valueOf).toList())) {
            if (!EVALUATION_FIELDS.contains(key)) {
                problems.add(new AgentProblem("evaluation." + key, "unknown field (allowed: "
                        + String.join(", ", EVALUATION_FIELDS) + ")"));
            }
        }
        Map<String, Object> evaluation = new LinkedHashMap<>();
        Map<String, Object> goldenSet = datasetSource(map.get("goldenSet"), "evaluation.goldenSet", problems);
        if (goldenSet == null && map.get("goldenSet") == null) {
            problems.add(new AgentProblem("evaluation.goldenSet", "required: {configMapKeyRef: {name, key}} or "
                    + "{git: {url, ref, path}}"));
        }
        if (goldenSet != null) {
            evaluation.put("goldenSet", goldenSet);
        }
        if (map.get("baseline") != null) {
            Map<String, Object> baseline = datasetSource(map.get("baseline"), "evaluation.baseline", problems);
            if (baseline != null) {
                evaluation.put("baseline", baseline);
            }
        }
        evaluation.put("threshold", number(map.get("threshold"), "evaluation.threshold", 0, 1, problems).orElse(1.0));
        return evaluation;
    }

    private static Map<String, Object> datasetSource(Object value, String field, List<AgentProblem> problems) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Map<?, ?> map) || map.size() != 1 || !SOURCE_FIELDS.contains(
                String.valueOf(map.keySet().iterator().next()))) {
            problems.add(new AgentProblem(field, "must be exactly one of {configMapKeyRef: {name, key}} or "
                    + "{git: {url, ref, path}}"));
            return null;
        }
        if (map.get("configMapKeyRef") != null) {
            Map<String, Object> ref = strings(map.get("configMapKeyRef"), field + ".configMapKeyRef",
                    CONFIG_MAP_FIELDS, problems);
            if (ref == null) {
                return null;
            }
            boolean ok = true;
            if (!(ref.get("name") instanceof String n) || !K8S_NAME.matcher(n).matches()) {
                problems.add(new AgentProblem(field + ".configMapKeyRef.name", "required: a ConfigMap of this "
                        + "namespace"));
                ok = false;
            }
            if (!(ref.get("key") instanceof String k) || !CONFIG_KEY.matcher(k).matches()) {
                problems.add(new AgentProblem(field + ".configMapKeyRef.key", "required: a key of the ConfigMap "
                        + "(letters, digits, '-', '_', '.')"));
                ok = false;
            }
            return ok ? Map.of("configMapKeyRef", ref) : null;
        }
        Map<String, Object> git = strings(map.get("git"), field + ".git", GIT_FIELDS, problems);
        if (git == null) {
            return null;
        }
        boolean ok = true;
        if (!(git.get("url") instanceof String url) || !GIT_URL.matcher(url).matches()) {
            problems.add(new AgentProblem(field + ".git.url", "required: an https://, ssh:// or file:// repository "
                    + "URL"));
            ok = false;
        } else if (url.matches("https://[^/]*@.*")) {
            problems.add(new AgentProblem(field + ".git.url", "must not carry credentials; the repository must be "
                    + "readable without them"));
            ok = false;
        }
        if (!(git.get("path") instanceof String path) || path.isBlank() || path.startsWith("/")
                || path.contains("..")) {
            problems.add(new AgentProblem(field + ".git.path", "required: a relative path in the repository"));
            ok = false;
        }
        if (git.containsKey("ref") && (!(git.get("ref") instanceof String ref) || ref.isBlank())) {
            problems.add(new AgentProblem(field + ".git.ref", "must be a branch, tag or commit"));
            ok = false;
        }
        return ok ? Map.of("git", git) : null;
    }

    private static Map<String, Object> strings(Object value, String field, Set<String> allowed,
                                               List<AgentProblem> problems) {
        if (!(value instanceof Map<?, ?> map)) {
            problems.add(new AgentProblem(field, "must be an object (" + String.join(", ", allowed) + ")"));
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String key = String.valueOf(entry.getKey());
            if (!allowed.contains(key)) {
                problems.add(new AgentProblem(field + "." + key, "unknown field (allowed: "
                        + String.join(", ", allowed) + ")"));
                return null;
            }
            if (!(entry.getValue() instanceof String)) {
                problems.add(new AgentProblem(field + "." + key, "must be a string"));
                return null;
            }
            out.put(key, entry.getValue());
        }
        return out;
    }
}
