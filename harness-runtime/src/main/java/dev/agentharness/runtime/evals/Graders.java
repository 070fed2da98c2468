package dev.agentharness.runtime.evals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.api.RunStatus;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Builds graders from their declarations — a dataset case's {@code expect} entries and an agent's inline
 * {@code evaluators} — so both read the same kinds with the same configs and the same error messages. Judge graders
 * take their judge from the {@link JudgeProvider} when they grade, so a declaration parses without a model.
 */
public final class Graders {

    public static final String JUDGE = "judge";

    /** Every grader kind, as written in {@code expect} or an evaluator. */
    public static final List<String> KINDS = List.of("handoff", JUDGE, "max_cost_usd", "max_latency_ms", "max_turns",
            "reason", "reply_contains", "reply_json", "reply_max_length", "reply_not_contains", "reply_regex",
            "status", "tools_called", "tools_not_called");

    /** Inline evaluator names: also the label their scores are stored and exported under. */
    public static final Pattern EVALUATOR_NAME = Pattern.compile("[a-z][a-z0-9_-]*");

    private static final List<String> STATUSES = List.of("succeeded", "failed", "timed_out", "cancelled");
    private static final Set<String> CALL_FIELDS = new TreeSet<>(List.of("name", "arguments", "agent"));
    private static final Set<String> JUDGE_FIELDS = new TreeSet<>(List.of("rubric", "threshold"));

    private final JudgeProvider judges;

    public Graders(JudgeProvider judges) {
        this.judges = Objects.requireNonNull(judges, "judges");
    }

    /** Graders for reading declarations only (validation, listings): judge graders fail saying no judge is set. */
    public static Graders withoutJudge() {
        return new Graders(JudgeProvider.none());
    }

    public JudgeProvider judges() {
        return judges;
    }

    public static boolean isKind(String kind) {
        return KINDS.contains(kind);
    }

    /**
     * The grader of {@code kind} configured by {@code config}, named by its kind.
     *
     * @param field where {@code config} is in its file ({@code expect.tools_called}), for errors
     */
    public Grader parse(String kind, JsonNode config, String field) throws GraderConfigException {
        return parse(kind, config, field, kind);
    }

    /**
     * An inline evaluator {@code {name: <label>, <one grader kind>: <config>, sample: 0..1}}; its grader is named by
     * the declared name.
     *
     * @param field where the declaration is in its file ({@code evaluators[2]}), for errors
     */
    public InlineEvaluator parseEvaluator(JsonNode declaration, String field) throws GraderConfigException {
        if (declaration == null || !declaration.isObject()) {
            throw new GraderConfigException(field, "must be an object {name, <grader kind>: <config>, sample}");
        }
        JsonNode nameNode = declaration.get("name");
        if (nameNode == null || !nameNode.isTextual()) {
            throw new GraderConfigException(field + ".name", "required: a string matching " + EVALUATOR_NAME.pattern());
        }
        String name = nameNode.asText();
        if (!EVALUATOR_NAME.matcher(name).matches()) {
            throw new GraderConfigException(field + ".name", "'" + Text.truncate(name, 60) + "' must match "
                    + EVALUATOR_NAME.pattern());
        }
        double sample = 1;
        JsonNode sampleNode = declaration.get("sample");
        if (sampleNode != null) {
            if (!sampleNode.isNumber() || !(sampleNode.asDouble() >= 0 && sampleNode.asDouble() <= 1)) {
                throw new GraderConfigException(field + ".sample", "must be a number from 0 to 1");
            }
            sample = sampleNode.asDouble();
        }
        String kind = null;
        for (Iterator<String> it = declaration.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (key.equals("name") || key.equals("sample")) {
                continue;
            }
            if (!isKind(key)) {
                throw unknownKind(key, field + "." + key);
            }
            if (kind != null) {
                throw new GraderConfigException(field, "an evaluator has exactly one grader; found " + kind
                        + " and " + key);
            }
            kind = key;
        }
        if (kind == null) {
            throw new GraderConfigException(field, "an evaluator needs one grader (one of: " + String.join(", ", KINDS)
                    + ")");
        }
        return new InlineEvaluator(name, parse(kind, declaration.get(kind), field + "." + kind, name), sample);
    }

    private Grader parse(String kind, JsonNode config, String field, String name) throws GraderConfigException {
        Objects.requireNonNull(kind, "kind");
        if (config == null || config.isMissingNode()) {
            throw new GraderConfigException(field, "a configuration is required");
        }
        return switch (kind) {
            case "status" -> {
                String status = string(config, field);
                if (!STATUSES.contains(status)) {
                    throw new GraderConfigException(field, "'" + Text.truncate(status, 40) + "' is not a final status; "
                            + "known: " + String.join(", ", STATUSES));
                }
                yield new RunGraders.Status(name, RunStatus.fromWire(status));
            }
            case "reason" -> new RunGraders.Reason(name, string(config, field));
            case "handoff" -> {
                String target = string(config, field);
                yield new RunGraders.Handoff(name, target.equals("none") ? null : target);
            }
            case "tools_called" -> new ToolGraders.Called(name, callPatterns(config, field));
            case "tools_not_called" -> new ToolGraders.NotCalled(name, callPatterns(config, field));
            case "reply_contains" -> new ReplyGraders.Contains(name, phrases(config, field));
            case "reply_not_contains" -> new ReplyGraders.NotContains(name, phrases(config, field));
            case "reply_regex" -> new ReplyGraders.Regex(name, ValueMatcher.compile(string(config, field), field));
            case "reply_json" -> replyJson(config, field, name);
            case "reply_max_length" -> new ReplyGraders.MaxLength(name, (int) positiveInteger(config, field, Integer.MAX_VALUE));
            case "max_cost_usd" -> {
                if (!config.isNumber() || config.decimalValue().signum() <= 0) {
                    throw new GraderConfigException(field, "must be a positive number (US dollars)");
                }
                yield new RunGraders.MaxCostUsd(name, config.decimalValue());
            }
            case "max_turns" -> new RunGraders.MaxTurns(name, positiveInteger(config, field, Integer.MAX_VALUE));
            case "max_latency_ms" -> new RunGraders.MaxLatencyMs(name, positiveInteger(config, field, Long.MAX_VALUE));
            case JUDGE -> judge(config, field, name);
            default -> throw unknownKind(kind, field);
        };
    }

    static GraderConfigException unknownKind(String kind, String field) {
        return new GraderConfigException(field, "unknown grader '" + Text.truncate(kind, 60) + "'; known: "
                + String.join(", ", KINDS));
    }

    private static String string(JsonNode config, String field) throws GraderConfigException {
        if (!config.isTextual() || config.asText().isBlank()) {
            throw new GraderConfigException(field, "must be a non-empty string");
        }
        return config.asText();
    }

    private static long positiveInteger(JsonNode config, String field, long max) throws GraderConfigException {
        if (!config.isIntegralNumber() || config.bigIntegerValue().signum() <= 0
                || config.bigIntegerValue().compareTo(BigDecimal.valueOf(max).toBigInteger()) > 0) {
            throw new GraderConfigException(field, "must be a positive integer");
        }
        return config.asLong();
    }

    private static List<String> phrases(JsonNode config, String field) throws GraderConfigException {
        if (config.isTextual()) {
            return List.of(string(config, field));
        }
        if (!config.isArray() || config.isEmpty()) {
            throw new GraderConfigException(field, "must be a string or a non-empty array of strings");
        }
        List<String> phrases = new ArrayList<>();
        for (int i = 0; i < config.size(); i++) {
            phrases.add(string(config.get(i), field + "[" + i + "]"));
        }
        return phrases;
    }

    private static List<ToolGraders.CallPattern> callPatterns(JsonNode config, String field) throws GraderConfigException {
        if (!config.isArray() || config.isEmpty()) {
            throw new GraderConfigException(field, "must be a non-empty array of tool names or {name, arguments, agent}");
        }
        List<ToolGraders.CallPattern> patterns = new ArrayList<>();
        for (int i = 0; i < config.size(); i++) {
            patterns.add(callPattern(config.get(i), field + "[" + i + "]"));
        }
        return patterns;
    }

    private static ToolGraders.CallPattern callPattern(JsonNode item, String field) throws GraderConfigException {
        if (item.isTextual()) {
            return new ToolGraders.CallPattern(string(item, field), null, Map.of());
        }
        if (!item.isObject()) {
            throw new GraderConfigException(field, "must be a tool name or an object {name, arguments, agent}");
        }
        for (Iterator<String> it = item.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!CALL_FIELDS.contains(key)) {
                throw new GraderConfigException(field + "." + key, "unknown field; known: " + String.join(", ", CALL_FIELDS));
            }
        }
        JsonNode name = item.get("name");
        if (name == null) {
            throw new GraderConfigException(field + ".name", "required: the tool's name");
        }
        if (!name.isTextual()) {
            throw new GraderConfigException(field + ".name", "must be a string");
        }
        String tool = string(name, field + ".name");
        String agent = item.has("agent") ? string(item.get("agent"), field + ".agent") : null;
        Map<String, ValueMatcher> arguments = new LinkedHashMap<>();
        JsonNode args = item.get("arguments");
        if (args != null) {
            if (!args.isObject()) {
                throw new GraderConfigException(field + ".arguments", "must be an object {argument: matcher}");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = args.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                arguments.put(entry.getKey(), ValueMatcher.parse(entry.getValue(), field + ".arguments." + entry.getKey()));
            }
        }
        return new ToolGraders.CallPattern(tool, agent, arguments);
    }

    private static Grader replyJson(JsonNode config, String field, String name) throws GraderConfigException {
        if (!config.isObject() || config.isEmpty()) {
            throw new GraderConfigException(field, "must be a non-empty object {\"<JsonPath>\": matcher}");
        }
        Map<String, ReplyJsonGrader.Path> paths = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String pathField = field + "[" + quoteKey(entry.getKey()) + "]";
            paths.put(entry.getKey(), new ReplyJsonGrader.Path(entry.getKey(),
                    ReplyJsonGrader.compile(entry.getKey(), pathField), ValueMatcher.parse(entry.getValue(), pathField)));
        }
        return new ReplyJsonGrader(name, paths);
    }

    private static String quoteKey(String key) {
        return "\"" + Text.truncate(key, 80).replace("\"", "\\\"") + "\"";
    }

    private Grader judge(JsonNode config, String field, String name) throws GraderConfigException {
        if (!config.isObject()) {
            throw new GraderConfigException(field, "must be an object {rubric, threshold}");
        }
        for (Iterator<String> it = config.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!JUDGE_FIELDS.contains(key)) {
                throw new GraderConfigException(field + "." + key, "unknown field; known: " + String.join(", ", JUDGE_FIELDS));
            }
        }
        JsonNode rubric = config.get("rubric");
        if (rubric == null) {
            throw new GraderConfigException(field + ".rubric", "required: what the judge grades");
        }
        String rubricText = string(rubric, field + ".rubric");
        double threshold = JudgeGrader.DEFAULT_THRESHOLD;
        JsonNode thresholdNode = config.get("threshold");
        if (thresholdNode != null) {
            if (!thresholdNode.isNumber() || !(thresholdNode.asDouble() >= 0 && thresholdNode.asDouble() <= 1)) {
                throw new GraderConfigException(field + ".threshold", "must be a number from 0 to 1");
            }
            threshold = thresholdNode.asDouble();
        }
        return new JudgeGrader(name, rubricText, threshold, judges);
    }
}
