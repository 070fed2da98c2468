package dev.agentharness.runtime.evals.reports;

import dev.agentharness.runtime.evals.CaseResult;
import dev.agentharness.runtime.evals.EvalReport;
import dev.agentharness.runtime.evals.Score;

import java.util.Map;

/**
 * {@code report.html}: one self-contained file (inline CSS, no script, no external resource) that can be attached to
 * a CI run or stored in a bucket. Every value from a run (replies, explanations, ids) is HTML-escaped: a reply is
 * model output and may contain markup. Links are written only for http(s) URLs.
 */
public final class HtmlReport {

    private static final String STYLE = """
            body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
            table{border-collapse:collapse;margin:0.5em 0 1.5em}
            th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
            th{background:#f3f3f3}.PASS{color:#176f2c}.FAIL{color:#b00020}.ERROR{color:#a15c00}
            .regression{background:#fde7ea}.num{text-align:right}code{background:#f3f3f3;padding:0 3px}
            """;

    private HtmlReport() {
    }

    public static String render(EvalReport report) {
        ReportSummary summary = ReportSummary.of(report);
        EvalReport.Comparison comparison = report.comparison();
        StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.append("<title>Eval report: ").append(esc(report.dataset())).append("</title><style>").append(STYLE)
                .append("</style></head><body>\n");
        html.append("<h1>Eval report: ").append(esc(report.dataset())).append("</h1>\n<p>Target ")
                .append(esc(report.target())).append(", started ").append(esc(String.valueOf(report.started())))
                .append(", wall time ").append(report.wallTime().toMillis()).append(" ms.</p>\n");
        if (comparison.hasBaseline()) {
            html.append("<h2>Regressions</h2>\n");
            if (comparison.regressions().isEmpty()) {
                html.append("<p>None: every baseline case still passes.</p>\n");
            } else {
                html.append("<ul>");
                comparison.regressions().forEach(id -> html.append("<li class=\"regression\"><a href=\"#case-")
                        .append(esc(id)).append("\">").append(esc(id)).append("</a></li>"));
                html.append("</ul>\n");
            }
            if (!comparison.newPasses().isEmpty()) {
                html.append("<p>New passes (not in the baseline): ")
                        .append(esc(String.join(", ", comparison.newPasses()))).append("</p>\n");
            }
        }
        html.append("<h2>Summary</h2>\n<table>");
        row(html, "cases", String.valueOf(summary.cases()));
        row(html, "passed / failed / errors", summary.passed() + " / " + summary.failed() + " / " + summary.errored());
        row(html, "pass rate", ReportSummary.percent(summary.passRate()));
        row(html, "cost total / mean", ReportSummary.usd(summary.costTotalUsd()) + " / "
                + ReportSummary.usd(summary.costMeanUsd()));
        row(html, "latency p50 / p90 / p99 / max", ReportSummary.ms(summary.latency().p50()) + " / "
                + ReportSummary.ms(summary.latency().p90()) + " / " + ReportSummary.ms(summary.latency().p99()) + " / "
                + ReportSummary.ms(summary.latency().max()));
        html.append("</table>\n");
        rates(html, "Pass rate per grader", "grader", summary.perGrader());
        rates(html, "Pass rate per tag", "tag", summary.perTag());
        html.append("<h2>Failing cases</h2>\n");
        if (summary.passed() == summary.cases()) {
            html.append("<p>None.</p>\n");
        }
        for (CaseResult failing : ReportSummary.failuresRegressionsFirst(report)) {
            boolean regression = comparison.regressions().contains(failing.caseId());
            html.append("<section id=\"case-").append(esc(failing.caseId())).append('"')
                    .append(regression ? " class=\"regression\"" : "").append("><h3><span class=\"")
                    .append(failing.outcome()).append("\">").append(failing.outcome()).append("</span> ")
                    .append(esc(failing.caseId())).append(regression ? " (regression)" : "").append("</h3>\n<p>Source <code>")
                    .append(esc(failing.source())).append("</code>");
            String link = failing.traceLink();
            if (link != null && (link.startsWith("http://") || link.startsWith("https://"))) {
                html.append(", <a href=\"").append(esc(link)).append("\">trace</a>");
            }
            html.append("</p>\n<ul>");
            if (failing.error() != null) {
                html.append("<li>error: ").append(esc(failing.error())).append("</li>");
            }
            for (Score score : failing.failingScores()) {
                html.append("<li><b>").append(esc(score.evaluator())).append("</b>: ").append(esc(score.explanation()))
                        .append("</li>");
            }
            html.append("</ul>");
            if (failing.run() != null && failing.run().reply() != null) {
                html.append("<details><summary>reply</summary><pre>").append(esc(failing.run().reply()))
                        .append("</pre></details>");
            }
            html.append("</section>\n");
        }
        html.append("<h2>All cases</h2>\n<table><tr><th>case</th><th>result</th><th>failing graders</th><th>cost</th>"
                + "<th>latency</th></tr>\n");
        for (CaseResult result : report.results()) {
            html.append("<tr><td>").append(esc(result.caseId())).append("</td><td class=\"").append(result.outcome())
                    .append("\">").append(result.outcome()).append("</td><td>")
                    .append(esc(ReportSummary.failingGraders(result))).append("</td><td class=\"num\">")
                    .append(result.run() == null ? "-" : ReportSummary.usd(result.costUsd()))
                    .append("</td><td class=\"num\">").append(ReportSummary.ms(result.latencyMs())).append("</td></tr>\n");
        }
        return html.append("</table>\n</body></html>\n").toString();
    }

    private static void row(StringBuilder html, String name, String value) {
        html.append("<tr><th>").append(esc(name)).append("</th><td>").append(esc(value)).append("</td></tr>");
    }

    private static void rates(StringBuilder html, String title, String what, Map<String, ReportSummary.Rate> rates) {
        html.append("<h2>").append(title).append("</h2>\n");
        if (rates.isEmpty()) {
            html.append("<p>None.</p>\n");
            return;
        }
        html.append("<table><tr><th>").append(what).append("</th><th>pass rate</th><th>passed</th></tr>");
        rates.forEach((name, rate) -> html.append("<tr><td>").append(esc(name)).append("</td><td class=\"num\">")
                .append(ReportSummary.percent(rate.rate())).append("</td><td class=\"num\">").append(rate.passed())
                .append('/').append(rate.total()).append("</td></tr>"));
        html.append("</table>\n");
    }

    /** Text and attribute values alike (also the nightly report's). */
    public static String esc(String value) {
        if (value == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
