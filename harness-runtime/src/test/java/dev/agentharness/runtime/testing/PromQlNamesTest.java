package dev.agentharness.runtime.testing;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The name extraction {@code MetricsScrapeTest}'s catalog check relies on: metric names only, never labels. */
class PromQlNamesTest {

    @Test
    void metricNamesAreSelectorsNotFunctionsLabelsKeywordsOrVariables() {
        assertEquals(Set.of("gen_ai_client_operation_duration_seconds_bucket"), PromQlNames.metricNames(
                "histogram_quantile(0.95, sum by (le, gen_ai_request_model) "
                        + "(rate(gen_ai_client_operation_duration_seconds_bucket{gen_ai_provider_name=~\"$provider\"}"
                        + "[$__rate_interval])))"));
        assertEquals(Set.of("agentharness_model_errors_total", "agentharness_model_call_duration_seconds_count"),
                PromQlNames.metricNames("sum by (model) (rate(agentharness_model_errors_total[5m])) / on (model) "
                        + "group_left sum without (outcome) (rate(agentharness_model_call_duration_seconds_count[5m]))"
                        + " > bool 0.1"));
        assertEquals(Set.of("agentharness_database_up", "agentharness_runs_queued", "up"), PromQlNames.metricNames(
                "max(agentharness_database_up) == 0 and on() (agentharness_runs_queued offset 5m) unless up"));
        assertEquals(Set.of("agentharness_runs_submitted_total"),
                PromQlNames.metricNames("label_values(agentharness_runs_submitted_total, agent)").stream()
                        .filter(name -> name.startsWith("agentharness_")).collect(java.util.stream.Collectors.toSet()));
        assertEquals(Set.of("agentharness_sandbox_failures_total"), PromQlNames.metricNames(
                "sum by (provider) (increase(agentharness_sandbox_failures_total{ {{- $ns }}, operation=\"exec\"}[15m]))"));
        assertEquals(Set.of("agentharness_cost_usd_total"),
                PromQlNames.metricNames("sum(increase(agentharness_cost_usd_total{model!=\"gen_ai_x\"}[1h])) by (model)"));
    }

    @Test
    void expressionsAreReadFromRulesAndDashboards() {
        String rules = """
                groups:
                  - name: harness
                    rules:
                      - alert: A
                        expr: max(agentharness_database_up) == 0
                      - alert: B
                        expr: |
                          sum(rate(agentharness_tool_errors_total[5m]))
                            > 1
                        for: 5m
                        annotations:
                          summary: "{{ $labels.tool }} agentharness_not_an_expr_total"
                      - record: r
                        expr: "agentharness_runs_queued"
                """;
        assertEquals(List.of("max(agentharness_database_up) == 0",
                        "sum(rate(agentharness_tool_errors_total[5m])) > 1", "agentharness_runs_queued"),
                PromQlNames.ruleExpressions(rules).stream().map(e -> e.strip().replaceAll("\\s+", " ")).toList());
        assertEquals(List.of("a_total", "b"), PromQlNames.dashboardExpressions(
                "{\"panels\":[{\"targets\":[{\"expr\":\"a_total\",\"legendFormat\":\"x\"}]}],"
                        + "\"templating\":{\"list\":[{\"query\":\"b\"}]}}"));
    }
}
