package dev.agentharness.deploy.helm;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** The panels of a Grafana dashboard (rows' nested panels included) and their PromQL, with Grafana's variables bound. */
final class DashboardExpressions {

    private DashboardExpressions() {
    }

    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        collect(dashboard.path("panels"), panels);
        return panels;
    }

    private static void collect(JsonNode list, List<JsonNode> into) {
        for (JsonNode panel : list) {
            if (panel.path("type").asText().equals("row")) {
                collect(panel.path("panels"), into);
            } else {
                into.add(panel);
            }
        }
    }

    /** Every target expression, with $namespace and Grafana's $__rate_interval replaced as Grafana would. */
    static List<String> expressions(JsonNode dashboard) {
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : panels(dashboard)) {
            for (JsonNode target : panel.path("targets")) {
                expressions.add(target.path("expr").asText()
                        .replace("$__rate_interval", "2m")
                        .replace("$namespace", HelmChart.NAMESPACE));
            }
        }
        return expressions;
    }
}
