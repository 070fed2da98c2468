package dev.agentharness.runtime.evals.reports;

import dev.agentharness.runtime.evals.CaseResult;
import dev.agentharness.runtime.evals.EvalReport;
import dev.agentharness.runtime.evals.Score;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures every report shows, computed once: pass rate overall, per grader and per tag, cost and the latency
 * distribution. Latency percentiles are nearest-rank over the cases that have a run with a known latency.
 */
public record ReportSummary(
        int cases,
        int passed,
        int failed,
        int errored,
        Map<String, Rate> perGrader,
        Map<String, Rate> perTag,
        double costTotalUsd,
        double costMeanUsd,
        Latency latency) {

    /** {@code passed} of {@code total}; an ERROR case counts in its tags' totals but has no grader scores. */
    public record Rate(int passed, int total) {

        public double rate() {
            return total == 0 ? 0 : (double) passed / total;
        }
    }

    /** Milliseconds; all null without any latency. */
    public record Latency(Long p50, Long p90, Long p99, Long max) {
    }

    public static ReportSummary of(EvalReport report) {
        List<CaseResult> results = report.results();
        Map<String, int[]> graders = new TreeMap<>();
        Map<String, int[]> tags = new TreeMap<>();
        List<Long> latencies = new ArrayList<>();
        double cost = 0;
        int runs = 0;
        for (CaseResult result : results) {
            for (Score score : result.scores()) {
                count(graders, score.evaluator(), score.passed());
            }
            for (String tag : result.tags()) {
                count(tags, tag, result.passed());
            }
            if (result.run() != null) {
                runs++;
                cost += result.costUsd();
                if (result.latencyMs() != null) {
                    latencies.add(result.latencyMs());
                }
            }
        }
        latencies.sort(Comparator.naturalOrder());
        return new ReportSummary(results.size(), (int) report.count(CaseResult.Outcome.PASS),
                (int) report.count(CaseResult.Outcome.FAIL), (int) report.count(CaseResult.Outcome.ERROR),
                rates(graders), rates(tags), cost, runs == 0 ? 0 : cost / runs,
                new Latency(percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99),
                        latencies.isEmpty() ? null : latencies.get(latencies.size() - 1)));
    }

    public double passRate() {
        return cases == 0 ? 0 : (double) passed / cases;
    }

    /** Nearest rank: the smallest value with at least {@code p} percent of the values at or below it. */
    static Long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return null;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    private static void count(Map<String, int[]> counts, String key, boolean passed) {
        int[] count = counts.computeIfAbsent(key, k -> new int[2]);
        count[1]++;
        if (passed) {
            count[0]++;
        }
    }

    private static Map<String, Rate> rates(Map<String, int[]> counts) {
        Map<String, Rate> rates = new LinkedHashMap<>();
        counts.forEach((key, count) -> rates.put(key, new Rate(count[0], count[1])));
        return rates;
    }

    static String percent(double rate) {
        return String.format(java.util.Locale.ROOT, "%.1f%%", rate * 100);
    }

    static String usd(double value) {
        return String.format(java.util.Locale.ROOT, "$%.4f", value);
    }

    static String ms(Long value) {
        return value == null ? "-" : value + " ms";
    }

    /** Failing cases first: regressions (in baseline order of the results), then other failures and errors. */
    static List<CaseResult> failuresRegressionsFirst(EvalReport report) {
        List<String> regressions = report.comparison().regressions();
        List<CaseResult> failing = new ArrayList<>(report.results().stream().filter(r -> !r.passed()).toList());
        failing.sort(Comparator.comparing(r -> !regressions.contains(r.caseId())));
        return failing;
    }

    /** The failing graders' names, comma-separated, or the error. */
    static String failingGraders(CaseResult result) {
        if (result.error() != null) {
            return "error";
        }
        return String.join(",", result.failingScores().stream().map(Score::evaluator).toList());
    }
}
