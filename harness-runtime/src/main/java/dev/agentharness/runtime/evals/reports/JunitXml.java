package dev.agentharness.runtime.evals.reports;

import dev.agentharness.runtime.evals.CaseResult;
import dev.agentharness.runtime.evals.EvalReport;
import dev.agentharness.runtime.evals.Score;

import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@code junit.xml}: one {@code testsuite} named after the dataset, one {@code testcase} per case (classname = the
 * dataset, name = the case id); a failing case has a {@code failure} whose message is its failing graders'
 * explanations, an erroring one an {@code error}. The format CI systems read (Jenkins, GitLab, GitHub test reporters).
 */
public final class JunitXml {

    private JunitXml() {
    }

    public static String render(EvalReport report) {
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        long failures = report.count(CaseResult.Outcome.FAIL);
        long errors = report.count(CaseResult.Outcome.ERROR);
        xml.append("<testsuite name=\"").append(attr(report.dataset())).append("\" tests=\"")
                .append(report.results().size()).append("\" failures=\"").append(failures).append("\" errors=\"")
                .append(errors).append("\" skipped=\"0\" time=\"").append(seconds(report.wallTime().toMillis()))
                .append("\" timestamp=\"").append(report.started()).append("\">\n");
        for (CaseResult result : report.results()) {
            xml.append("  <testcase classname=\"").append(attr(report.dataset())).append("\" name=\"")
                    .append(attr(result.caseId())).append("\" time=\"")
                    .append(seconds(result.latencyMs() == null ? 0 : result.latencyMs())).append("\"");
            switch (result.outcome()) {
                case PASS -> xml.append("/>\n");
                case FAIL -> {
                    String message = result.failingScores().stream()
                            .map(score -> score.evaluator() + ": " + score.explanation())
                            .collect(Collectors.joining("; "));
                    xml.append(">\n    <failure message=\"").append(attr(message)).append("\" type=\"")
                            .append(attr(ReportSummary.failingGraders(result))).append("\">")
                            .append(text(details(result))).append("</failure>\n  </testcase>\n");
                }
                case ERROR -> xml.append(">\n    <error message=\"").append(attr(result.error()))
                        .append("\" type=\"EvalTargetException\">").append(text(result.source() + ": " + result.error()))
                        .append("</error>\n  </testcase>\n");
            }
        }
        return xml.append("</testsuite>\n").toString();
    }

    private static String details(CaseResult result) {
        StringBuilder text = new StringBuilder(result.source() == null ? "" : result.source() + "\n");
        for (Score score : result.failingScores()) {
            text.append(score.evaluator()).append(" (").append(score.label()).append(", ").append(score.value())
                    .append("): ").append(score.explanation()).append('\n');
        }
        if (result.traceLink() != null) {
            text.append("trace: ").append(result.traceLink()).append('\n');
        }
        return text.toString();
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.3f", millis / 1000.0);
    }

    static String text(String value) {
        StringBuilder out = new StringBuilder();
        (value == null ? "" : value).codePoints().forEach(cp -> {
            switch (cp) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                default -> {
                    // XML 1.0 forbids most control characters even as references: replace them.
                    if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r' || cp == 0xFFFE || cp == 0xFFFF) {
                        out.append('?');
                    } else {
                        out.appendCodePoint(cp);
                    }
                }
            }
        });
        return out.toString();
    }

    /** An attribute value: also newlines and tabs as references, which a parser would otherwise normalise away. */
    static String attr(String value) {
        return text(value).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;");
    }
}
