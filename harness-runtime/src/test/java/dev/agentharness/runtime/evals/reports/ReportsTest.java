package dev.agentharness.runtime.evals.reports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.runtime.evals.CaseResult;
import dev.agentharness.runtime.evals.EvalReport;
import dev.agentharness.runtime.evals.Score;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static dev.agentharness.runtime.evals.EvalFixtures.transcript;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportsTest {

    private static final String HOSTILE = "<script>alert('x')</script> & \"quotes\"";

    /** pass (tag a), a regression failing two graders (tags a, b) with a hostile reply, an error, a plain failure. */
    static EvalReport report() {
        CaseResult pass = new CaseResult("greets", List.of("a"), "maya.jsonl:1",
                transcript("r1", "hi", "Hello!", 0.01, 100), List.of(Score.pass("reply_contains", "found 'hello'")),
                null, "http://h/runs/r1/trace");
        CaseResult regression = new CaseResult("balance", List.of("a", "b"), "maya.jsonl:2",
                transcript("r2", "balance?", HOSTILE, 0.03, 300),
                List.of(Score.fail("tools_called", "lookup_account was not called with account_id A-1 <b>"),
                        Score.fail("reply_contains", "the reply does not contain '42'"),
                        Score.pass("max_turns", "2 turns")),
                null, "http://h/runs/r2/trace?x=1&y=\"2\"");
        CaseResult error = CaseResult.error("refund", List.of("b"), "maya.jsonl:3",
                "the harness refused: Bad request: line1\nline2 <x>");
        CaseResult failure = new CaseResult("refusal", List.of(), "maya.jsonl:4",
                transcript("r4", "hack", "ok", 0.02, 200), List.of(Score.fail("status", "expected failed, was succeeded")),
                null, "javascript:alert(1)");
        return new EvalReport("evals/maya.jsonl", "http://h", Instant.parse("2026-12-04T10:00:00Z"),
                Instant.parse("2026-12-04T10:00:02Z"), List.of(pass, regression, error, failure),
                new EvalReport.Comparison(true, List.of("balance"), List.of()));
    }

    @Test
    void summaryCountsRatesCostAndNearestRankLatency() {
        ReportSummary summary = ReportSummary.of(report());
        assertEquals(4, summary.cases());
        assertEquals(1, summary.passed());
        assertEquals(2, summary.failed());
        assertEquals(1, summary.errored());
        assertEquals(new ReportSummary.Rate(1, 2), summary.perGrader().get("reply_contains"));
        assertEquals(new ReportSummary.Rate(0, 1), summary.perGrader().get("tools_called"));
        assertEquals(new ReportSummary.Rate(1, 2), summary.perTag().get("a"));
        assertEquals(new ReportSummary.Rate(0, 2), summary.perTag().get("b"));
        assertEquals(0.06, summary.costTotalUsd(), 1e-9);
        assertEquals(0.02, summary.costMeanUsd(), 1e-9);
        assertEquals(new ReportSummary.Latency(200L, 300L, 300L, 300L), summary.latency());
        assertEquals(50L, ReportSummary.percentile(List.of(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L, 100L), 50));
        assertEquals(90L, ReportSummary.percentile(List.of(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L, 100L), 90));
        assertNull(ReportSummary.percentile(List.of(), 99));
    }

    @Test
    void junitXmlParsesWithOneTestcasePerCaseAndFailingGradersAsTheMessage() throws Exception {
        String xml = JunitXml.render(report());
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));

        Element suite = doc.getDocumentElement();
        assertEquals("testsuite", suite.getTagName());
        assertEquals("4", suite.getAttribute("tests"));
        assertEquals("2", suite.getAttribute("failures"));
        assertEquals("1", suite.getAttribute("errors"));
        NodeList cases = suite.getElementsByTagName("testcase");
        assertEquals(4, cases.getLength());
        Element balance = (Element) cases.item(1);
        assertEquals("balance", balance.getAttribute("name"));
        assertEquals("evals/maya.jsonl", balance.getAttribute("classname"));
        Element failure = (Element) balance.getElementsByTagName("failure").item(0);
        assertEquals("tools_called: lookup_account was not called with account_id A-1 <b>; "
                + "reply_contains: the reply does not contain '42'", failure.getAttribute("message"));
        assertTrue(failure.getTextContent().contains("trace: http://h/runs/r2/trace?x=1&y=\"2\""));
        assertEquals(0, ((Element) cases.item(0)).getChildNodes().getLength(), "a passing case has no child");
        Element error = (Element) ((Element) cases.item(2)).getElementsByTagName("error").item(0);
        assertEquals("the harness refused: Bad request: line1\nline2 <x>", error.getAttribute("message"));
    }

    @Test
    void htmlIsSelfContainedAndEscapesEverything() {
        String html = HtmlReport.render(report());

        assertFalse(html.contains("<script"), "a reply's markup must not become markup");
        assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"));
        assertTrue(html.contains("A-1 &lt;b&gt;"));
        assertFalse(html.matches("(?s).*(<link|<img|<iframe|src=|@import|url\\().*"), "no external resource");
        assertTrue(html.contains("<style>"));
        assertTrue(html.contains("<a href=\"http://h/runs/r2/trace?x=1&amp;y=&quot;2&quot;\">trace</a>"));
        assertFalse(html.contains("javascript:"), "only http(s) trace links become links");
        assertTrue(html.indexOf("Regressions") < html.indexOf("Summary"), "regressions first");
        assertTrue(html.indexOf("id=\"case-balance\"") < html.indexOf("id=\"case-refund\""),
                "the regression leads the failing cases");
        assertTrue(html.contains("25.0%"), "pass rate");
    }

    @Test
    void markdownHasRegressionsFiguresAndEachFailureWithExplanationsAndTraceLink() {
        String md = MarkdownReport.render(report());

        assertTrue(md.startsWith("# Eval report: evals/maya.jsonl"));
        assertTrue(md.indexOf("## Regressions") < md.indexOf("## Summary"));
        assertTrue(md.contains("- **balance**"));
        assertTrue(md.contains("| pass rate | 25.0% |"));
        assertTrue(md.contains("| latency p50 / p90 / p99 / max | 200 ms / 300 ms / 300 ms / 300 ms |"));
        assertTrue(md.contains("| reply_contains | 50.0% | 1/2 |"));
        assertTrue(md.contains("| b | 0.0% | 0/2 |"));
        assertTrue(md.contains("### FAIL balance (regression)"));
        assertTrue(md.contains("- **tools_called**: lookup_account was not called with account_id A-1 &lt;b&gt;"));
        assertTrue(md.contains("[trace](http://h/runs/r2/trace?x=1&y=\"2\")"));
        assertTrue(md.contains("- error: the harness refused: Bad request: line1 line2 &lt;x&gt;"));
        assertTrue(md.indexOf("### FAIL balance") < md.indexOf("### ERROR refund"));
    }

    @Test
    void resultsJsonIsMachineReadable() throws Exception {
        JsonNode json = new ObjectMapper().readTree(JsonReport.render(report()));

        assertEquals(1, json.get("format").asInt());
        assertEquals(1, json.get("exit_code").asInt());
        assertEquals(4, json.at("/summary/cases").asInt());
        assertEquals(0.25, json.at("/summary/pass_rate").asDouble(), 1e-9);
        assertEquals(300, json.at("/summary/latency_ms/p99").asLong());
        assertEquals("balance", json.at("/baseline/regressions/0").asText());
        assertEquals(2, json.at("/per_grader/reply_contains/total").asInt());
        JsonNode balance = json.get("cases").get(1);
        assertEquals("FAIL", balance.get("result").asText());
        assertEquals("r2", balance.get("run_id").asText());
        assertEquals("trace-r2", balance.get("trace_id").asText());
        assertEquals("succeeded", balance.get("status").asText());
        assertEquals(3, balance.get("scores").size());
        assertTrue(json.get("cases").get(2).get("run_id").isNull());
    }

    @Test
    void consoleTableHasALinePerCaseThenTotalsRegressionsAndFailures() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleTable.print(report(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();

        assertTrue(lines.get(0).startsWith("case"));
        assertTrue(lines.get(1).matches("greets +PASS +\\$0\\.0100 +100 ms"), lines.get(1));
        assertTrue(lines.get(2).matches("balance +FAIL +tools_called,reply_contains +\\$0\\.0300 +300 ms"),
                lines.get(2));
        assertTrue(lines.get(3).matches("refund +ERROR +error +- +-"), lines.get(3));
        String text = String.join("\n", lines);
        assertTrue(text.contains("4 cases: 1 passed, 2 failed, 1 errors; pass rate 25.0%"));
        assertTrue(text.contains("REGRESSIONS (passed in the baseline, not now): balance"));
        assertTrue(text.contains("FAIL balance (maya.jsonl:2) trace: http://h/runs/r2/trace"));
    }

    @Test
    void writesAllFourFiles(@TempDir Path dir) throws Exception {
        List<Path> files = ReportFiles.write(report(), dir.resolve("out"));
        assertEquals(List.of("junit.xml", "report.md", "report.html", "results.json"),
                files.stream().map(p -> p.getFileName().toString()).toList());
        for (Path file : files) {
            assertTrue(Files.size(file) > 100, file.toString());
        }
    }
}
