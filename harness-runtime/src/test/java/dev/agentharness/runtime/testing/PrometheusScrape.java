package dev.agentharness.runtime.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of a Prometheus text exposition (format 0.0.4), parsed into samples: enough to read exact values back.
 * Nothing on the test classpath parses the format (simpleclient only writes it).
 */
public final class PrometheusScrape {

    /** One line: {@code name{label="value",…} value}. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final List<Sample> samples;

    private PrometheusScrape(List<Sample> samples) {
        this.samples = List.copyOf(samples);
    }

    public static PrometheusScrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            samples.add(sample(line.strip()));
        }
        return new PrometheusScrape(samples);
    }

    /** {@code name[{labels}] value [timestamp] [# exemplar]}: labels are scanned with their quotes respected. */
    private static Sample sample(String line) {
        Matcher name = NAME.matcher(line);
        if (!name.lookingAt()) {
            throw new IllegalArgumentException("not a sample line: " + line);
        }
        int at = name.end();
        Map<String, String> labels = new LinkedHashMap<>();
        if (at < line.length() && line.charAt(at) == '{') {
            int close = at + 1;
            boolean quoted = false;
            while (close < line.length() && (quoted || line.charAt(close) != '}')) {
                char c = line.charAt(close);
                if (c == '\\' && quoted) {
                    close++;
                } else if (c == '"') {
                    quoted = !quoted;
                }
                close++;
            }
            Matcher label = LABEL.matcher(line.substring(at + 1, close));
            while (label.find()) {
                labels.put(label.group(1), label.group(2).replace("\\\"", "\"").replace("\\n", "\n")
                        .replace("\\\\", "\\"));
            }
            at = close + 1;
        }
        String[] rest = line.substring(at).strip().split("\\s+");
        return new Sample(name.group(), labels, parseValue(rest[0]));
    }

    private static double parseValue(String value) {
        return switch (value) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(value);
        };
    }

    /**
     * The sum of the samples of {@code name} whose labels include all of {@code labels} (pairs; an empty value
     * matches a label that is empty or absent, as in Prometheus); 0 when there is none.
     */
    public double value(String name, String... labels) {
        return samples.stream().filter(s -> s.name().equals(name) && matches(s.labels(), labels))
                .mapToDouble(Sample::value).sum();
    }

    /** Whether a sample of {@code name} with those labels exists. */
    public boolean has(String name, String... labels) {
        return samples.stream().anyMatch(s -> s.name().equals(name) && matches(s.labels(), labels));
    }

    public List<Sample> samples() {
        return samples;
    }

    /** Every sample name in the scrape. */
    public Set<String> names() {
        Set<String> names = new TreeSet<>();
        samples.forEach(s -> names.add(s.name()));
        return names;
    }

    private static boolean matches(Map<String, String> actual, String... labels) {
        for (int i = 0; i < labels.length; i += 2) {
            if (!labels[i + 1].equals(actual.getOrDefault(labels[i], ""))) {
                return false;
            }
        }
        return true;
    }
}
