package dev.agentharness.runtime.evals.reports;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.runtime.evals.CaseResult;
import dev.agentharness.runtime.evals.EvalReport;
import dev.agentharness.runtime.evals.Score;

import java.io.UncheckedIOException;
import java.util.Map;

/**
 * {@code results.json}, the machine-readable report (the promotion gate and dashboards read it). Shape, snake_case:
 * {@code {format: 1, dataset, target, started, finished, wall_time_ms, exit_code, summary: {cases, passed, failed,
 * errors, pass_rate, cost_usd_total, cost_usd_mean, latency_ms: {p50, p90, p99, max}}, per_grader: {name: {passed,
 * total, pass_rate}}, per_tag: {…}, baseline: null | {regressions: [ids], new_passes: [ids]}, cases: [{id, result:
 * PASS|FAIL|ERROR, source, tags, run_id, trace_id, trace_link, status, reason, cost_usd, latency_ms, turns, error,
 * scores: [{evaluator, value, label, passed, explanation}]}]}}.
 */
public final class JsonReport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {
    }

    public static String render(EvalReport report) {
        ReportSummary summary = ReportSummary.of(report);
        ObjectNode root = JSON.createObjectNode();
        root.put("format", 1);
        root.put("dataset", report.dataset());
        root.put("target", report.target());
        root.put("started", String.valueOf(report.started()));
        root.put("finished", String.valueOf(report.finished()));
        root.put("wall_time_ms", report.wallTime().toMillis());
        root.put("exit_code", report.exitCode());
        ObjectNode totals = root.putObject("summary");
        totals.put("cases", summary.cases());
        totals.put("passed", summary.passed());
        totals.put("failed", summary.failed());
        totals.put("errors", summary.errored());
        totals.put("pass_rate", summary.passRate());
        totals.put("cost_usd_total", summary.costTotalUsd());
        totals.put("cost_usd_mean", summary.costMeanUsd());
        ObjectNode latency = totals.putObject("latency_ms");
        latency.put("p50", summary.latency().p50());
        latency.put("p90", summary.latency().p90());
        latency.put("p99", summary.latency().p99());
        latency.put("max", summary.latency().max());
        rates(root.putObject("per_grader"), summary.perGrader());
        rates(root.putObject("per_tag"), summary.perTag());
        if (report.comparison().hasBaseline()) {
            ObjectNode baseline = root.putObject("baseline");
            report.comparison().regressions().forEach(baseline.putArray("regressions")::add);
            report.comparison().newPasses().forEach(baseline.putArray("new_passes")::add);
        } else {
            root.putNull("baseline");
        }
        ArrayNode cases = root.putArray("cases");
        for (CaseResult result : report.results()) {
            ObjectNode item = cases.addObject();
            item.put("id", result.caseId());
            item.put("result", result.outcome().name());
            item.put("source", result.source());
            result.tags().forEach(item.putArray("tags")::add);
            item.put("run_id", result.run() == null ? null : result.run().runId());
            item.put("trace_id", result.run() == null ? null : result.run().traceId());
            item.put("trace_link", result.traceLink());
            item.put("status", result.run() == null || result.run().status() == null ? null
                    : result.run().status().wire());
            item.put("reason", result.run() == null ? null : result.run().reason());
            item.put("cost_usd", result.costUsd());
            item.put("latency_ms", result.latencyMs());
            item.put("turns", result.run() == null ? null : result.run().turns());
            item.put("error", result.error());
            ArrayNode scores = item.putArray("scores");
            for (Score score : result.scores()) {
                ObjectNode s = scores.addObject();
                s.put("evaluator", score.evaluator());
                s.put("value", score.value());
                s.put("label", score.label());
                s.put("passed", score.passed());
                s.put("explanation", score.explanation());
            }
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void rates(ObjectNode node, Map<String, ReportSummary.Rate> rates) {
        rates.forEach((name, rate) -> {
            ObjectNode item = node.putObject(name);
            item.put("passed", rate.passed());
            item.put("total", rate.total());
            item.put("pass_rate", rate.rate());
        });
    }
}
