package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.runtime.evals.Score;
import dev.agentharness.runtime.evals.reports.HtmlReport;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One night's evaluation: what was sampled, every run's scores, pass rate and mean score per agent and evaluator,
 * the worst runs, and the drops against the previous night — rendered as {@code report.md}, {@code report.html}
 * (self-contained) and {@code results.json} (also what the next night compares against).
 */
public record NightlyReport(LocalDate date, Instant from, Instant to, long population, int requestedSample,
                            boolean perAgent, long seed, List<GradedRun> runs, Map<String, Double> previousPassRates,
                            int worstRuns, Duration took) {

    /** A pass rate that fell by at least this much against the previous night is a regression. */
    public static final double REGRESSION_DROP = 0.05;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One sampled run and its scores; {@code error} when it could not be graded at all (no transcript). */
    public record GradedRun(String runId, String agent, String status, String traceLink, List<Score> scores,
                            String error) {

        public GradedRun {
            scores = scores == null ? List.of() : List.copyOf(scores);
        }

        public boolean passed() {
            return error == null && scores.stream().allMatch(Score::passed);
        }

        public double meanScore() {
            return scores.stream().mapToDouble(Score::value).average().orElse(0);
        }
    }

    /** Pass rate and mean score of one evaluator on one agent's sampled runs. */
    public record Stat(String agent, String evaluator, int graded, int passed, double meanScore) {

        public double passRate() {
            return graded == 0 ? 0 : (double) passed / graded;
        }

        public String key() {
            return agent + "/" + evaluator;
        }
    }

    /** An agent/evaluator whose pass rate fell by {@link #REGRESSION_DROP} or more since the previous night. */
    public record Regression(String key, double before, double now) {
    }

    public NightlyReport {
        runs = List.copyOf(runs);
        previousPassRates = previousPassRates == null ? Map.of() : Map.copyOf(previousPassRates);
    }

    public int graded() {
        return (int) runs.stream().filter(run -> run.error() == null).count();
    }

    public int passedRuns() {
        return (int) runs.stream().filter(GradedRun::passed).count();
    }

    public int errors() {
        return runs.size() - graded();
    }

    /** Every run passed every evaluator (and none failed to be graded). */
    public double passRate() {
        return runs.isEmpty() ? 0 : (double) passedRuns() / runs.size();
    }

    /** Per agent, then evaluator (sorted). */
    public List<Stat> stats() {
        Map<String, int[]> counts = new TreeMap<>();
        Map<String, double[]> sums = new TreeMap<>();
        for (GradedRun run : runs) {
            for (Score score : run.scores()) {
                String key = run.agent() + "\n" + score.evaluator();
                int[] c = counts.computeIfAbsent(key, k -> new int[2]);
                c[0]++;
                c[1] += score.passed() ? 1 : 0;
                sums.computeIfAbsent(key, k -> new double[1])[0] += score.value();
            }
        }
        List<Stat> stats = new ArrayList<>();
        counts.forEach((key, c) -> {
            String[] parts = key.split("\n", 2);
            stats.add(new Stat(parts[0], parts[1], c[0], c[1], sums.get(key)[0] / c[0]));
        });
        return stats;
    }

    /** Lowest mean score first (ungradable runs first of all), at most {@link #worstRuns()}; passing runs never. */
    public List<GradedRun> worst() {
        return runs.stream().filter(run -> !run.passed())
                .sorted(Comparator.comparing((GradedRun run) -> run.error() == null)
                        .thenComparingDouble(GradedRun::meanScore).thenComparing(GradedRun::runId))
                .limit(Math.max(0, worstRuns)).toList();
    }

    public List<Regression> regressions() {
        List<Regression> regressions = new ArrayList<>();
        for (Stat stat : stats()) {
            Double before = previousPassRates.get(stat.key());
            if (before != null && before - stat.passRate() >= REGRESSION_DROP - 1e-9) {
                regressions.add(new Regression(stat.key(), before, stat.passRate()));
            }
        }
        return regressions;
    }

    /** The pass rates of a previous night's {@code results.json}: agent/evaluator → rate. */
    public static Map<String, Double> passRates(JsonNode results) {
        Map<String, Double> rates = new LinkedHashMap<>();
        results.path("stats").forEach(stat -> rates.put(stat.path("agent").asText() + "/"
                + stat.path("evaluator").asText(), stat.path("pass_rate").asDouble()));
        return rates;
    }

    public String json() {
        ObjectNode root = JSON.createObjectNode().put("kind", "nightly").put("date", date.toString());
        root.putObject("window").put("from", from.toString()).put("to", to.toString());
        root.put("finished_runs", population).put("sample", requestedSample).put("per_agent", perAgent)
                .put("seed", seed).put("graded", graded()).put("errors", errors()).put("passed_runs", passedRuns())
                .put("pass_rate", round(passRate())).put("took_ms", took.toMillis());
        ArrayNode stats = root.putArray("stats");
        for (Stat stat : stats()) {
            stats.addObject().put("agent", stat.agent()).put("evaluator", stat.evaluator()).put("graded", stat.graded())
                    .put("passed", stat.passed()).put("pass_rate", round(stat.passRate()))
                    .put("mean_score", round(stat.meanScore()));
        }
        ArrayNode regressions = root.putArray("regressions");
        regressions().forEach(r -> regressions.addObject().put("key", r.key()).put("before", round(r.before()))
                .put("now", round(r.now())));
        ArrayNode runsNode = root.putArray("runs");
        for (GradedRun run : runs) {
            ObjectNode node = runsNode.addObject().put("run_id", run.runId()).put("agent", run.agent())
                    .put("status", run.status()).put("passed", run.passed()).put("mean_score", round(run.meanScore()))
                    .put("trace_link", run.traceLink());
            if (run.error() != null) {
                node.put("error", run.error());
            }
            ArrayNode scores = node.putArray("scores");
            run.scores().forEach(s -> scores.addObject().put("evaluator", s.evaluator()).put("value", round(s.value()))
                    .put("label", s.label()).put("passed", s.passed()).put("explanation", s.explanation()));
        }
        return root.toPrettyString() + "\n";
    }

    public String markdown() {
        StringBuilder md = new StringBuilder("# Nightly evaluation ").append(date).append("\n\n")
                .append(header()).append("\n\n");
        md.append("| agent | evaluator | graded | passed | pass rate | mean score | previous night |\n")
                .append("|---|---|---:|---:|---:|---:|---:|\n");
        for (Stat stat : stats()) {
            md.append("| ").append(cell(stat.agent())).append(" | ").append(cell(stat.evaluator())).append(" | ")
                    .append(stat.graded()).append(" | ").append(stat.passed()).append(" | ")
                    .append(percent(stat.passRate())).append(" | ").append(format(stat.meanScore())).append(" | ")
                    .append(Optional.ofNullable(previousPassRates.get(stat.key())).map(NightlyReport::percent)
                            .orElse("–")).append(" |\n");
        }
        List<Regression> regressions = regressions();
        md.append("\n## Regressions against the previous night\n\n");
        if (regressions.isEmpty()) {
            md.append(previousPassRates.isEmpty() ? "No previous night to compare with.\n" : "None.\n");
        }
        regressions.forEach(r -> md.append("- ").append(cell(r.key())).append(": ").append(percent(r.before()))
                .append(" → ").append(percent(r.now())).append('\n'));
        md.append("\n## Worst runs\n\n");
        List<GradedRun> worst = worst();
        if (worst.isEmpty()) {
            md.append("Every sampled run passed.\n");
        }
        for (GradedRun run : worst) {
            md.append("- [").append(run.runId()).append("](").append(run.traceLink()).append(") ")
                    .append(cell(run.agent())).append(", ").append(run.status()).append(", mean ")
                    .append(format(run.meanScore())).append(": ").append(cell(failures(run))).append('\n');
        }
        return md.toString();
    }

    public String html() {
        StringBuilder h = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>Nightly evaluation ").append(date).append("</title><style>")
                .append("body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}td.n{text-align:right}")
                .append(".bad{color:#b00020}.ok{color:#1b5e20}</style></head><body>\n")
                .append("<h1>Nightly evaluation ").append(date).append("</h1>\n<p>").append(HtmlReport.esc(header()))
                .append("</p>\n<table><tr><th>agent</th><th>evaluator</th><th>graded</th><th>passed</th>")
                .append("<th>pass rate</th><th>mean score</th><th>previous night</th></tr>\n");
        for (Stat stat : stats()) {
            Double before = previousPassRates.get(stat.key());
            boolean dropped = before != null && before - stat.passRate() >= REGRESSION_DROP - 1e-9;
            h.append("<tr><td>").append(HtmlReport.esc(stat.agent())).append("</td><td>").append(HtmlReport.esc(stat.evaluator()))
                    .append("</td><td class=\"n\">").append(stat.graded()).append("</td><td class=\"n\">")
                    .append(stat.passed()).append("</td><td class=\"n ").append(dropped ? "bad" : "ok").append("\">")
                    .append(percent(stat.passRate())).append("</td><td class=\"n\">").append(format(stat.meanScore()))
                    .append("</td><td class=\"n\">").append(before == null ? "–" : percent(before)).append("</td></tr>\n");
        }
        h.append("</table>\n<h2>Regressions against the previous night</h2>\n<ul>");
        for (Regression r : regressions()) {
            h.append("<li class=\"bad\">").append(HtmlReport.esc(r.key())).append(": ").append(percent(r.before()))
                    .append(" → ").append(percent(r.now())).append("</li>");
        }
        h.append("</ul>\n<h2>Worst runs</h2>\n<table><tr><th>run</th><th>agent</th><th>status</th><th>mean</th>")
                .append("<th>what failed</th></tr>\n");
        for (GradedRun run : worst()) {
            h.append("<tr><td><a href=\"").append(HtmlReport.esc(run.traceLink())).append("\">").append(HtmlReport.esc(run.runId()))
                    .append("</a></td><td>").append(HtmlReport.esc(run.agent())).append("</td><td>").append(HtmlReport.esc(run.status()))
                    .append("</td><td class=\"n\">").append(format(run.meanScore())).append("</td><td>")
                    .append(HtmlReport.esc(failures(run))).append("</td></tr>\n");
        }
        return h.append("</table>\n</body></html>\n").toString();
    }

    /** One line: window, population, sample, pass rate. */
    public String header() {
        return String.format(Locale.ROOT, "Window %s – %s: %d finished runs, %d sampled (%s%d%s, seed %d), %d graded, "
                        + "%d could not be graded; %d/%d runs passed every evaluator (%s). Took %d s.",
                from, to, population, runs.size(), perAgent ? "up to " : "", requestedSample,
                perAgent ? " per agent" : " requested", seed, graded(), errors(), passedRuns(), runs.size(),
                percent(passRate()), took.toSeconds());
    }

    private static String failures(GradedRun run) {
        if (run.error() != null) {
            return run.error();
        }
        return String.join("; ", run.scores().stream().filter(s -> !s.passed())
                .map(s -> s.evaluator() + ": " + s.explanation()).toList());
    }

    static String percent(double rate) {
        return String.format(Locale.ROOT, "%.1f%%", rate * 100);
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    private static double round(double value) {
        return Math.round(value * 10_000) / 10_000.0;
    }

    private static String cell(String text) {
        return text == null ? "" : text.replace("|", "\\|").replace("\n", " ");
    }
}
