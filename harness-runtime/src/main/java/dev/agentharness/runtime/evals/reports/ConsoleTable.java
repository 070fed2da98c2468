package dev.agentharness.runtime.evals.reports;

import dev.agentharness.runtime.evals.CaseResult;
import dev.agentharness.runtime.evals.EvalReport;

import java.io.PrintStream;
import java.util.Map;

/** The table printed after an eval run: one line per case, then the totals, regressions and failures. */
public final class ConsoleTable {

    private ConsoleTable() {
    }

    public static void print(EvalReport report, PrintStream out) {
        ReportSummary summary = ReportSummary.of(report);
        int idWidth = Math.max(4, report.results().stream().mapToInt(r -> r.caseId().length()).max().orElse(4));
        String row = "%-" + idWidth + "s  %-6s  %-30s  %10s  %10s%n";
        out.printf(row, "case", "result", "failing graders", "cost", "latency");
        for (CaseResult result : report.results()) {
            out.printf(row, result.caseId(), result.outcome(), truncate(ReportSummary.failingGraders(result), 30),
                    result.run() == null ? "-" : ReportSummary.usd(result.costUsd()), ReportSummary.ms(result.latencyMs()));
        }
        out.println();
        out.printf("%d cases: %d passed, %d failed, %d errors; pass rate %s; cost %s (mean %s); latency p50 %s, "
                        + "p90 %s, p99 %s, max %s; wall time %.1f s%n",
                summary.cases(), summary.passed(), summary.failed(), summary.errored(),
                ReportSummary.percent(summary.passRate()), ReportSummary.usd(summary.costTotalUsd()),
                ReportSummary.usd(summary.costMeanUsd()), ReportSummary.ms(summary.latency().p50()),
                ReportSummary.ms(summary.latency().p90()), ReportSummary.ms(summary.latency().p99()),
                ReportSummary.ms(summary.latency().max()), report.wallTime().toMillis() / 1000.0);
        for (Map.Entry<String, ReportSummary.Rate> grader : summary.perGrader().entrySet()) {
            out.printf("  grader %-24s %s (%d/%d)%n", grader.getKey(), ReportSummary.percent(grader.getValue().rate()),
                    grader.getValue().passed(), grader.getValue().total());
        }
        EvalReport.Comparison comparison = report.comparison();
        if (comparison.hasBaseline()) {
            out.println(comparison.regressions().isEmpty() ? "no regressions against the baseline"
                    : "REGRESSIONS (passed in the baseline, not now): " + String.join(", ", comparison.regressions()));
            if (!comparison.newPasses().isEmpty()) {
                out.println("new passes (not in the baseline): " + String.join(", ", comparison.newPasses()));
            }
        }
        for (CaseResult failing : ReportSummary.failuresRegressionsFirst(report)) {
            out.println(failing.outcome() + " " + failing.caseId() + " (" + failing.source() + ")"
                    + (failing.traceLink() == null ? "" : " trace: " + failing.traceLink()));
            if (failing.error() != null) {
                out.println("    error: " + failing.error());
            }
            failing.failingScores().forEach(score -> out.println("    " + score.evaluator() + ": " + score.explanation()));
        }
    }

    private static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
