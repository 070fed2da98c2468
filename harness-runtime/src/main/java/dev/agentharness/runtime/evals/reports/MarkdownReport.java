package dev.agentharness.runtime.evals.reports;

import dev.agentharness.runtime.evals.CaseResult;
import dev.agentharness.runtime.evals.EvalReport;
import dev.agentharness.runtime.evals.Score;

import java.util.Map;

/** {@code report.md}: regressions first, then the figures, the failing cases with their explanations, all cases. */
public final class MarkdownReport {

    private MarkdownReport() {
    }

    public static String render(EvalReport report) {
        ReportSummary summary = ReportSummary.of(report);
        StringBuilder md = new StringBuilder();
        md.append("# Eval report: ").append(cell(report.dataset())).append("\n\n");
        md.append("Target ").append(cell(report.target())).append(", started ").append(report.started())
                .append(", wall time ").append(report.wallTime().toMillis()).append(" ms.\n\n");
        EvalReport.Comparison comparison = report.comparison();
        if (comparison.hasBaseline()) {
            md.append("## Regressions\n\n");
            if (comparison.regressions().isEmpty()) {
                md.append("None: every baseline case still passes.\n\n");
            } else {
                comparison.regressions().forEach(id -> md.append("- **").append(cell(id)).append("**\n"));
                md.append('\n');
            }
            if (!comparison.newPasses().isEmpty()) {
                md.append("New passes (not in the baseline): ").append(cell(String.join(", ", comparison.newPasses())))
                        .append("\n\n");
            }
        }
        md.append("## Summary\n\n| | |\n|---|---|\n");
        md.append("| cases | ").append(summary.cases()).append(" |\n");
        md.append("| passed | ").append(summary.passed()).append(" |\n");
        md.append("| failed | ").append(summary.failed()).append(" |\n");
        md.append("| errors | ").append(summary.errored()).append(" |\n");
        md.append("| pass rate | ").append(ReportSummary.percent(summary.passRate())).append(" |\n");
        md.append("| cost total | ").append(ReportSummary.usd(summary.costTotalUsd())).append(" |\n");
        md.append("| cost mean | ").append(ReportSummary.usd(summary.costMeanUsd())).append(" |\n");
        md.append("| latency p50 / p90 / p99 / max | ").append(ReportSummary.ms(summary.latency().p50())).append(" / ")
                .append(ReportSummary.ms(summary.latency().p90())).append(" / ")
                .append(ReportSummary.ms(summary.latency().p99())).append(" / ")
                .append(ReportSummary.ms(summary.latency().max())).append(" |\n\n");
        rates(md, "Pass rate per grader", "grader", summary.perGrader());
        rates(md, "Pass rate per tag", "tag", summary.perTag());
        md.append("## Failing cases\n\n");
        if (summary.passed() == summary.cases()) {
            md.append("None.\n\n");
        }
        for (CaseResult failing : ReportSummary.failuresRegressionsFirst(report)) {
            md.append("### ").append(failing.outcome()).append(' ').append(cell(failing.caseId()))
                    .append(comparison.regressions().contains(failing.caseId()) ? " (regression)" : "").append("\n\n");
            md.append("Source `").append(cell(failing.source())).append('`');
            if (failing.traceLink() != null) {
                md.append(", [trace](").append(failing.traceLink().replace(")", "%29").replace(" ", "%20")).append(')');
            }
            md.append(".\n\n");
            if (failing.error() != null) {
                md.append("- error: ").append(cell(failing.error())).append('\n');
            }
            for (Score score : failing.failingScores()) {
                md.append("- **").append(cell(score.evaluator())).append("**: ").append(cell(score.explanation()))
                        .append('\n');
            }
            md.append('\n');
        }
        md.append("## All cases\n\n| case | result | failing graders | cost | latency |\n|---|---|---|---|---|\n");
        for (CaseResult result : report.results()) {
            md.append("| ").append(cell(result.caseId())).append(" | ").append(result.outcome()).append(" | ")
                    .append(cell(ReportSummary.failingGraders(result))).append(" | ")
                    .append(result.run() == null ? "-" : ReportSummary.usd(result.costUsd())).append(" | ")
                    .append(ReportSummary.ms(result.latencyMs())).append(" |\n");
        }
        return md.toString();
    }

    private static void rates(StringBuilder md, String title, String what, Map<String, ReportSummary.Rate> rates) {
        md.append("## ").append(title).append("\n\n");
        if (rates.isEmpty()) {
            md.append("None.\n\n");
            return;
        }
        md.append("| ").append(what).append(" | pass rate | passed |\n|---|---|---|\n");
        rates.forEach((name, rate) -> md.append("| ").append(cell(name)).append(" | ")
                .append(ReportSummary.percent(rate.rate())).append(" | ").append(rate.passed()).append('/')
                .append(rate.total()).append(" |\n"));
        md.append('\n');
    }

    /** Keeps a value on its line and inside its table cell; escapes what Markdown would render as HTML. */
    static String cell(String value) {
        if (value == null) {
            return "";
        }
        return value.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\r", " ").replace("\n", " ");
    }
}
