package dev.agentharness.runtime.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression selects, and the expressions of a Grafana dashboard (every {@code expr}
 * field) or a Prometheus rules file (every {@code expr:} value, block scalars included). Not a PromQL parser: string
 * literals, label matchers, {@code by/without/on/ignoring/group_left/group_right (…)} lists, ranges, Grafana
 * variables and numbers are removed, then an identifier not followed by {@code (} (a function or aggregation) and
 * not a keyword is a metric name.
 */
public final class PromQlNames {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "atan2", "inf", "nan", "start", "end");
    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern LABEL_LISTS = Pattern.compile(
            "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", Pattern.CASE_INSENSITIVE);
    private static final Pattern HELM_ACTIONS = Pattern.compile("\\{\\{.*?}}", Pattern.DOTALL);
    private static final Pattern GRAFANA_VARIABLES = Pattern.compile("\\$\\{[^}]*}|\\$\\w+|\\[\\[[^]]*]]");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\\w:])");
    private static final Pattern YAML_EXPR = Pattern.compile("^(\\s*)-?\\s*expr:\\s*(.*)$");

    private PromQlNames() {
    }

    /** The metric names {@code expr} selects. */
    public static Set<String> metricNames(String expr) {
        String text = HELM_ACTIONS.matcher(expr).replaceAll(" "); // a rules file may be a Helm template
        text = GRAFANA_VARIABLES.matcher(text).replaceAll(" ");
        text = STRINGS.matcher(text).replaceAll("\"\"");
        text = text.replaceAll("\\{[^}]*}", " { } ");     // label matchers (names and values)
        text = text.replaceAll("\\[[^]]*]", " [ ] ");     // range and subquery durations
        text = LABEL_LISTS.matcher(text).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher identifier = IDENTIFIER.matcher(text);
        while (identifier.find()) {
            String name = identifier.group(1);
            int next = identifier.end();
            while (next < text.length() && Character.isWhitespace(text.charAt(next))) {
                next++;
            }
            boolean call = next < text.length() && text.charAt(next) == '(';
            if (!call && !KEYWORDS.contains(name.toLowerCase())) {
                names.add(name);
            }
        }
        return names;
    }

    /** Every {@code expr} string of a Grafana dashboard (panels, targets, templating, at any depth). */
    public static List<String> dashboardExpressions(String dashboardJson) {
        try {
            List<String> exprs = new ArrayList<>();
            collect(JSON.readTree(dashboardJson), exprs);
            return exprs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void collect(JsonNode node, List<String> exprs) {
        if (node.isObject()) {
            node.properties().forEach(field -> {
                if ((field.getKey().equals("expr") || field.getKey().equals("query")) && field.getValue().isTextual()) {
                    exprs.add(field.getValue().asText());
                } else {
                    collect(field.getValue(), exprs);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collect(child, exprs));
        }
    }

    /**
     * Every {@code expr:} value of a rules file (a Helm template is fine: only the expr values are read), plain,
     * quoted or a block scalar ({@code |}, {@code >}) whose lines are indented deeper than the key.
     */
    public static List<String> ruleExpressions(String yaml) {
        List<String> exprs = new ArrayList<>();
        String[] lines = yaml.split("\n");
        for (int i = 0; i < lines.length; i++) {
            Matcher expr = YAML_EXPR.matcher(lines[i]);
            if (!expr.matches()) {
                continue;
            }
            String value = expr.group(2).strip();
            if (value.startsWith("|") || value.startsWith(">")) {
                int keyIndent = lines[i].indexOf("expr:");
                StringBuilder block = new StringBuilder();
                while (i + 1 < lines.length && (lines[i + 1].isBlank()
                        || indent(lines[i + 1]) > keyIndent)) {
                    block.append(lines[++i]).append('\n');
                }
                exprs.add(block.toString());
            } else {
                if ((value.startsWith("\"") && value.endsWith("\"")) || (value.startsWith("'") && value.endsWith("'"))) {
                    value = value.substring(1, value.length() - 1);
                }
                exprs.add(value);
            }
        }
        return exprs;
    }

    private static int indent(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == ' ') {
            n++;
        }
        return n;
    }
}
