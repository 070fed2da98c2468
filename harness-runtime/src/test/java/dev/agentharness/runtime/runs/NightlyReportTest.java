package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.runtime.evals.Score;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The night's report (stats, worst runs, regressions; md/html/json) and its Slack summary, without a database. */
class NightlyReportTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static NightlyReport report(Map<String, Double> previous) {
        List<NightlyReport.GradedRun> runs = List.of(
                new NightlyReport.GradedRun("r1", "maya", "succeeded", "https://h/runs/r1/trace",
                        List.of(Score.pass("completed", "ok"), Score.pass("replied", "ok")), null),
                new NightlyReport.GradedRun("r2", "maya", "failed", "https://h/runs/r2/trace",
                        List.of(Score.fail("completed", "ended <script>alert(1)</script>"), Score.fail("replied", "none")),
                        null),
                new NightlyReport.GradedRun("r3", "maya", "succeeded", "https://h/runs/r3/trace",
                        List.of(Score.pass("completed", "ok"), new Score("replied", 0.5, "meh", false, "half")), null),
                new NightlyReport.GradedRun("r4", "analyst", "succeeded", "https://h/runs/r4/trace", List.of(),
                        "no transcript (the run's journal is gone)"));
        return new NightlyReport(LocalDate.parse("2026-12-04"), Instant.parse("2026-12-03T03:00:00Z"),
                Instant.parse("2026-12-04T03:00:00Z"), 1234, 200, false, 42, runs, previous, 10, Duration.ofSeconds(3));
    }

    @Test
    void statsWorstRunsAndRegressionsAgainstThePreviousNight() {
        NightlyReport report = report(Map.of("maya/completed", 0.9, "maya/replied", 0.34));
        assertEquals(1, report.passedRuns());
        assertEquals(1, report.errors());
        NightlyReport.Stat completed = report.stats().stream().filter(s -> s.key().equals("maya/completed")).findFirst()
                .orElseThrow();
        assertEquals(3, completed.graded());
        assertEquals(2, completed.passed());
        assertEquals(List.of("r4", "r2", "r3"), report.worst().stream().map(NightlyReport.GradedRun::runId).toList(),
                "ungradable first, then by mean score; passing runs never");
        assertEquals(List.of("maya/completed"), report.regressions().stream().map(NightlyReport.Regression::key).toList(),
                "0.90 → 0.67 is a drop; 0.34 → 0.33 is not");
    }

    @Test
    void theHtmlIsSelfContainedAndEscapesWhatRunsSaid() {
        String html = report(Map.of()).html();
        assertFalse(html.contains("<script>"), "an explanation is text, never markup");
        assertTrue(html.contains("&lt;script&gt;"));
        assertFalse(html.contains("<link") || html.contains("src=\"http"), "no external resources");
        assertTrue(html.contains("href=\"https://h/runs/r2/trace\""));
        assertTrue(report(Map.of()).markdown().contains("No previous night to compare with."));
    }

    @Test
    void resultsJsonCarriesWhatTheNextNightComparesWith() throws Exception {
        JsonNode results = JSON.readTree(report(Map.of("maya/completed", 0.9)).json());
        assertEquals(42, results.path("seed").asLong());
        assertEquals(1234, results.path("finished_runs").asLong());
        Map<String, Double> rates = NightlyReport.passRates(results);
        assertEquals(0.6667, rates.get("maya/completed"), 1e-4);
        assertEquals("maya/completed", results.path("regressions").get(0).path("key").asText());
    }

    @Test
    void theSlackSummaryHasTextBlocksTheLinkAndTheRegressions() throws Exception {
        JsonNode body = JSON.readTree(NightlyEvaluation.slackSummary(report(Map.of("maya/completed", 0.9)),
                URI.create("https://bucket.example/reports/nightly/2026-12-04/report.html?X-Amz-Signature=abc")));
        assertTrue(body.path("text").asText().startsWith("Nightly evaluation 2026-12-04: 1/4 sampled runs passed"));
        assertTrue(body.path("text").asText().contains("1 regression(s)"));
        assertEquals("section", body.path("blocks").get(0).path("type").asText());
        assertTrue(body.path("blocks").toString().contains("*Regressions*"));
        assertEquals("context", body.path("blocks").get(body.path("blocks").size() - 1).path("type").asText());
    }

    @Test
    void windowsAreReadAsTheSettingsWriteThem() {
        assertEquals(Duration.ofHours(24), NightlyEvaluation.parseWindow("24h"));
        assertEquals(Duration.ofMinutes(90), NightlyEvaluation.parseWindow("90m"));
        assertEquals(Duration.ofDays(2), NightlyEvaluation.parseWindow("2d"));
        assertEquals(Duration.ofHours(36), NightlyEvaluation.parseWindow("PT36H"));
        assertEquals(Duration.ofDays(1), NightlyEvaluation.parseWindow("P1D"));
        for (String bad : new String[] {"", "forever", "0h", "-PT1H", "24 h"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NightlyEvaluation.parseWindow(bad));
            assertTrue(e.getMessage().contains("window"), e.getMessage());
        }
    }
}
