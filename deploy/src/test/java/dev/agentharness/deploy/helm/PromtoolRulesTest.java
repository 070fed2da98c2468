package dev.agentharness.deploy.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentharness.deploy.testing.RepositoryFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alert rules exactly as the chart renders them, checked by Prometheus's own parser (`promtool check rules`) and
 * evaluated on recorded series (`promtool test rules` with the files in deploy/src/test/resources/promtool/):
 * each alert fires on a bad series and stays silent on a healthy one. The dashboard's expressions go through the same
 * parser (promtool has no expression-only check: one recording rule per panel expression).
 */
class PromtoolRulesTest {

    /** The cost alert's nine days of samples have a file of their own, with a coarser evaluation interval. */
    static final List<Path> UNIT_TESTS = List.of(
            RepositoryFiles.resolve("deploy/src/test/resources/promtool/agent-harness.rules.test.yaml"),
            RepositoryFiles.resolve("deploy/src/test/resources/promtool/agent-harness.cost.rules.test.yaml"));
    private static final ObjectMapper YAML = new YAMLMapper();

    @TempDir
    Path dir;

    /** The rendered PrometheusRule's spec (its `groups`): a Prometheus rules file. */
    private Path renderedRules() throws Exception {
        Promtool.require();
        ObjectNode rule = ChartRenderingTest.CHART.template("""
                metrics: {prometheusRule: {enabled: true}}
                """).one("PrometheusRule", "ah-agent-harness-harness");
        Path file = dir.resolve("agent-harness.rules.yaml");
        YAML.writeValue(file.toFile(), rule.path("spec"));
        return file;
    }

    @Test
    void promtoolParsesEveryRenderedRule() throws Exception {
        Path rules = renderedRules();
        Promtool.Result result = Promtool.run(dir, "check", "rules", rules.getFileName().toString());
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("SUCCESS: " + ChartMetricsTest.ALERTS.size() + " rules found"), result.output());
    }

    @Test
    void everyAlertFiresOnABadSeriesAndStaysSilentOnAHealthyOne() throws Exception {
        renderedRules();
        List<String> arguments = new ArrayList<>(List.of("test", "rules"));
        List<JsonNode> unitTests = new ArrayList<>();
        for (Path file : UNIT_TESTS) {
            Files.copy(file, dir.resolve(file.getFileName()));
            arguments.add(file.getFileName().toString());
            JsonNode unitTest = YAML.readTree(file.toFile());
            assertEquals("agent-harness.rules.yaml", unitTest.path("rule_files").path(0).asText(), file.toString());
            unitTests.add(unitTest);
        }
        Promtool.Result result = Promtool.run(dir, arguments.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("SUCCESS"), result.output());

        // The unit tests cover both sides of every alert: some case expects it, another expects silence.
        for (String alert : ChartMetricsTest.ALERTS) {
            List<JsonNode> cases = unitTests.stream().flatMap(unitTest -> unitTest.path("tests").valueStream())
                    .flatMap(test -> test.path("alert_rule_test").valueStream())
                    .filter(c -> c.path("alertname").asText().equals(alert))
                    .toList();
            assertTrue(cases.stream().anyMatch(c -> !c.path("exp_alerts").isEmpty()), alert + " fires in some test");
            assertTrue(cases.stream().anyMatch(c -> c.path("exp_alerts").isEmpty()), alert + " stays silent in some test");
        }
    }

    @Test
    void promtoolParsesEveryDashboardExpression() throws Exception {
        Promtool.require();
        JsonNode dashboard = new ObjectMapper().readTree(ChartRenderingTest.CHART.dir().resolve("dashboards/agent-harness.json").toFile());
        List<String> expressions = DashboardExpressions.expressions(dashboard);
        ObjectNode file = YAML.createObjectNode();
        ObjectNode group = file.putArray("groups").addObject().put("name", "dashboard-expressions");
        ArrayNode rules = group.putArray("rules");
        for (int i = 0; i < expressions.size(); i++) {
            rules.addObject().put("record", "dashboard:panel_expression_" + i).put("expr", expressions.get(i));
        }
        Path path = dir.resolve("dashboard.rules.yaml");
        YAML.writeValue(path.toFile(), file);
        Promtool.Result result = Promtool.run(dir, "check", "rules", path.getFileName().toString());
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("SUCCESS: " + expressions.size() + " rules found"), result.output());
    }
}
