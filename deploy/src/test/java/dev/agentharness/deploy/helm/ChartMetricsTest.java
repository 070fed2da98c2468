package dev.agentharness.deploy.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The metrics toggles (values.yaml, metrics.* and harness.autoscaling.metric) rendered by the real Helm engine. */
class ChartMetricsTest {

    private static final HelmChart CHART = ChartRenderingTest.CHART;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HARNESS = "ah-agent-harness-harness";
    private static final String OPERATOR = "ah-agent-harness-operator";
    private static final Set<String> MONITORING_KINDS = Set.of("ServiceMonitor", "PodMonitor", "PrometheusRule");
    static final List<String> ALERTS = List.of("AgentHarnessRunErrorRateHigh", "AgentHarnessRunLatencyP99High",
            "AgentHarnessSandboxProviderFailing", "AgentHarnessDatabaseUnreachable", "AgentHarnessObjectStoreUnreachable",
            "AgentHarnessCostSpike");

    /**
     * The typed Prometheus Operator model of a monitoring object. AKS managed Prometheus's CRDs are the Prometheus
     * Operator's under another group (Microsoft's documentation: "the only change required … is the API group"), so
     * an azmonitoring.coreos.com object is checked against the same model.
     */
    private static <T> T typed(ObjectNode object, Class<T> type) {
        ObjectNode copy = object.deepCopy();
        copy.put("apiVersion", copy.path("apiVersion").asText().replace("azmonitoring.coreos.com/", "monitoring.coreos.com/"));
        return type.cast(TypedKubernetesObjects.parse(copy));
    }

    @Test
    void defaultsRenderNoMetricsObjectAndScaleOnCpuWhenAutoscaling() {
        HelmChart.Rendered rendered = CHART.template("");
        assertEquals(List.of(), rendered.objects().stream()
                .filter(o -> MONITORING_KINDS.contains(o.path("kind").asText())
                        || o.path("metadata").path("labels").has("grafana_dashboard"))
                .toList());
        assertEquals(List.of(HARNESS), rendered.ofKind("Service").stream().map(o -> o.path("metadata").path("name").asText()).toList(),
                "no operator metrics Service without a ServiceMonitor");

        HorizontalPodAutoscaler hpa = (HorizontalPodAutoscaler) TypedKubernetesObjects.parse(CHART.template(ValuesProfiles.ALL_SECRETS + """
                harness: {autoscaling: {enabled: true}}
                """).one("HorizontalPodAutoscaler", HARNESS));
        assertEquals(List.of("Resource"), hpa.getSpec().getMetrics().stream().map(MetricSpec::getType).toList());
        assertEquals(70, hpa.getSpec().getMetrics().getFirst().getResource().getTarget().getAverageUtilization());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"monitoring.coreos.com", "azmonitoring.coreos.com"})
    void serviceMonitorsScrapeTheHarnessAndTheOperatorThroughTheirServices(String apiGroup) {
        HelmChart.Rendered rendered = CHART.template("""
                metrics:
                  apiGroup: %s
                  serviceMonitor: {enabled: true}
                  labels: {release: prom}
                  interval: 15s
                  relabelings: [{sourceLabels: [__meta_kubernetes_pod_node_name], targetLabel: node}]
                """.formatted(apiGroup));
        assertEquals(List.of(), rendered.ofKind("PodMonitor"));

        ServiceMonitor harness = typed(rendered.one("ServiceMonitor", HARNESS), ServiceMonitor.class);
        assertEquals(apiGroup + "/v1", rendered.one("ServiceMonitor", HARNESS).path("apiVersion").asText());
        assertEquals("prom", harness.getMetadata().getLabels().get("release"));
        assertEquals(HelmChart.NAMESPACE, harness.getMetadata().getNamespace());
        Service harnessService = (Service) TypedKubernetesObjects.parse(rendered.one("Service", HARNESS));
        assertSelects(harness.getSpec().getSelector().getMatchLabels(), harnessService.getMetadata().getLabels());
        var harnessEndpoint = harness.getSpec().getEndpoints().getFirst();
        assertEquals("http", harnessEndpoint.getPort());
        assertEquals("http", harnessService.getSpec().getPorts().getFirst().getName());
        assertEquals("/metrics", harnessEndpoint.getPath());
        assertEquals("15s", harnessEndpoint.getInterval());
        assertEquals("node", harnessEndpoint.getRelabelings().getFirst().getTargetLabel());
        assertEquals(List.of(HelmChart.NAMESPACE), harness.getSpec().getNamespaceSelector().getMatchNames());

        // The operator gets a Service of its own, on its http port, selecting its pods.
        Service operatorService = (Service) TypedKubernetesObjects.parse(rendered.one("Service", OPERATOR));
        assertEquals("http", operatorService.getSpec().getPorts().getFirst().getName());
        assertEquals("http", operatorService.getSpec().getPorts().getFirst().getTargetPort().getStrVal());
        assertEquals(8080, operatorService.getSpec().getPorts().getFirst().getPort());
        assertSelects(operatorService.getSpec().getSelector(),
                TypedKubernetesObjects.parse(rendered.one("Deployment", OPERATOR)) instanceof io.fabric8.kubernetes.api.model.apps.Deployment d
                        ? d.getSpec().getTemplate().getMetadata().getLabels() : Map.of());
        ServiceMonitor operator = typed(rendered.one("ServiceMonitor", OPERATOR), ServiceMonitor.class);
        assertSelects(operator.getSpec().getSelector().getMatchLabels(), operatorService.getMetadata().getLabels());
        assertFalse(operator.getSpec().getSelector().getMatchLabels().entrySet()
                        .containsAll(harnessService.getMetadata().getLabels().entrySet()), "the operator's monitor must not pick the harness Service");
        assertEquals("/q/metrics", operator.getSpec().getEndpoints().getFirst().getPath());
        assertEquals("http", operator.getSpec().getEndpoints().getFirst().getPort());

        boolean azure = apiGroup.startsWith("az");
        for (ServiceMonitor monitor : List.of(harness, operator)) {
            // AKS managed Prometheus drops monitors without the label limits of its templates; the OSS ones need none.
            assertEquals(azure ? 63L : null, monitor.getSpec().getLabelLimit());
            assertEquals(azure ? 511L : null, monitor.getSpec().getLabelNameLengthLimit());
            assertEquals(azure ? 1023L : null, monitor.getSpec().getLabelValueLengthLimit());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"monitoring.coreos.com", "azmonitoring.coreos.com"})
    void podMonitorsScrapeTheHarnessAndTheOperatorPods(String apiGroup) {
        HelmChart.Rendered rendered = CHART.template("""
                metrics:
                  apiGroup: %s
                  podMonitor: {enabled: true}
                  interval: ""
                  scrapeTimeout: 5s
                  metricRelabelings: [{sourceLabels: [__name__], regex: "jvm_.*", action: drop}]
                """.formatted(apiGroup));
        assertEquals(List.of(), rendered.ofKind("ServiceMonitor"));
        assertEquals(1, rendered.ofKind("Service").size());
        Map<String, String> paths = Map.of(HARNESS, "/metrics", OPERATOR, "/q/metrics");
        paths.forEach((name, path) -> {
            assertEquals(apiGroup + "/v1", rendered.one("PodMonitor", name).path("apiVersion").asText());
            PodMonitor monitor = typed(rendered.one("PodMonitor", name), PodMonitor.class);
            var deployment = (io.fabric8.kubernetes.api.model.apps.Deployment) TypedKubernetesObjects.parse(rendered.one("Deployment", name));
            assertSelects(monitor.getSpec().getSelector().getMatchLabels(), deployment.getSpec().getTemplate().getMetadata().getLabels());
            var endpoint = monitor.getSpec().getPodMetricsEndpoints().getFirst();
            assertEquals("http", endpoint.getPort());
            assertTrue(deployment.getSpec().getTemplate().getSpec().getContainers().getFirst().getPorts().stream()
                    .anyMatch(p -> p.getName().equals("http")), name + " has a port named http");
            assertEquals(path, endpoint.getPath());
            assertNull(endpoint.getInterval(), "empty interval = Prometheus's default");
            assertEquals("5s", endpoint.getScrapeTimeout());
            assertEquals("drop", endpoint.getMetricRelabelings().getFirst().getAction());
            assertEquals(apiGroup.startsWith("az") ? 63L : null, monitor.getSpec().getLabelLimit());
        });
    }

    @Test
    void withoutTheOperatorOnlyTheHarnessIsMonitored() {
        HelmChart.Rendered rendered = CHART.template("""
                operator: {enabled: false}
                metrics: {serviceMonitor: {enabled: true}, podMonitor: {enabled: true}}
                """);
        assertEquals(Set.of("ServiceMonitor/" + HARNESS, "PodMonitor/" + HARNESS), rendered.objects().stream()
                .filter(o -> MONITORING_KINDS.contains(o.path("kind").asText()))
                .map(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText())
                .collect(Collectors.toSet()));
        assertEquals(1, rendered.ofKind("Service").size());
    }

    @Test
    void thePrometheusRuleCarriesEveryAlertWithSeverityNamespaceAndRunbook() {
        HelmChart.Rendered rendered = CHART.template("""
                metrics:
                  labels: {release: prom}
                  prometheusRule:
                    enabled: true
                    alertLabels: {team: agents}
                    runbookBaseUrl: https://docs.example.com/agent-harness/observability/
                    runErrorRate: {threshold: 0.25}
                """);
        ObjectNode object = rendered.one("PrometheusRule", HARNESS);
        assertEquals("monitoring.coreos.com/v1", object.path("apiVersion").asText());
        PrometheusRule rule = (PrometheusRule) TypedKubernetesObjects.parse(object);
        assertEquals("prom", rule.getMetadata().getLabels().get("release"));
        List<Rule> alerts = rule.getSpec().getGroups().stream().flatMap(g -> g.getRules().stream()).toList();
        assertEquals(ALERTS, alerts.stream().map(Rule::getAlert).toList());
        for (Rule alert : alerts) {
            String name = alert.getAlert();
            assertTrue(Set.of("critical", "warning").contains(alert.getLabels().get("severity")), name);
            assertEquals(HelmChart.NAMESPACE, alert.getLabels().get("namespace"), name);
            assertEquals("agents", alert.getLabels().get("team"), name);
            assertFalse(alert.getAnnotations().get("summary").isBlank(), name);
            assertFalse(alert.getAnnotations().get("description").isBlank(), name);
            assertEquals("https://docs.example.com/agent-harness/observability#alert-" + name.toLowerCase(),
                    alert.getAnnotations().get("runbook_url"));
            assertFalse(alert.getFor().isBlank(), name);
            assertTrue(alert.getExpr().getStrVal().contains("namespace=\"" + HelmChart.NAMESPACE + "\""), name + " covers the release namespace");
            assertFalse(alert.getExpr().getStrVal().contains("{{"), name + ": no Helm template left in the expression");
        }
        assertTrue(alerts.getFirst().getExpr().getStrVal().contains(") > 0.25"), alerts.getFirst().getExpr().getStrVal());
    }

    @Test
    void aPrometheusRuleIsRefusedWithAksManagedPrometheusWhichHasNoSuchCrd() {
        Exception error = assertThrows(Exception.class, () -> CHART.template("""
                metrics: {apiGroup: azmonitoring.coreos.com, prometheusRule: {enabled: true}}
                """));
        assertTrue(error.getMessage().contains("values don't meet the specifications of the schema"), error.getMessage());
        assertTrue(error.getMessage().contains("enabled"), error.getMessage());
    }

    @Test
    void theDashboardConfigMapHoldsValidGrafanaJsonForTheSidecar() throws Exception {
        HelmChart.Rendered rendered = CHART.template("""
                metrics:
                  grafanaDashboard: {enabled: true, labelKey: grafana.example.com/dashboard, labelValue: agents,
                                     namespace: monitoring, annotations: {grafana_folder: Agents}}
                """);
        var configMaps = rendered.ofKind("ConfigMap");
        assertEquals(1, configMaps.size());
        var configMap = (io.fabric8.kubernetes.api.model.ConfigMap) TypedKubernetesObjects.parse(configMaps.getFirst());
        assertEquals("agents", configMap.getMetadata().getLabels().get("grafana.example.com/dashboard"));
        assertEquals("monitoring", configMap.getMetadata().getNamespace());
        assertEquals("Agents", configMap.getMetadata().getAnnotations().get("grafana_folder"));
        String json = configMap.getData().get("agent-harness.json");
        assertEquals(JSON.readTree(CHART.dir().resolve("dashboards/agent-harness.json").toFile()), JSON.readTree(json),
                "the ConfigMap holds the dashboard file unchanged");

        var defaults = (io.fabric8.kubernetes.api.model.ConfigMap) TypedKubernetesObjects.parse(CHART.template("""
                metrics: {grafanaDashboard: {enabled: true}}
                """).ofKind("ConfigMap").getFirst());
        assertEquals("1", defaults.getMetadata().getLabels().get("grafana_dashboard"));
        assertEquals(HelmChart.NAMESPACE, defaults.getMetadata().getNamespace());
    }

    @Test
    void theDashboardQueriesThroughItsDatasourceVariableInACurrentSchema() throws Exception {
        JsonNode dashboard = JSON.readTree(CHART.dir().resolve("dashboards/agent-harness.json").toFile());
        assertTrue(dashboard.path("schemaVersion").asInt() >= 39, "a Grafana 11+ schema");
        assertEquals("agent-harness", dashboard.path("uid").asText());
        List<JsonNode> variables = StreamSupport.stream(dashboard.path("templating").path("list").spliterator(), false).toList();
        assertTrue(variables.stream().anyMatch(v -> v.path("name").asText().equals("datasource")
                && v.path("type").asText().equals("datasource") && v.path("query").asText().equals("prometheus")));
        List<JsonNode> panels = DashboardExpressions.panels(dashboard);
        assertTrue(panels.size() >= 20, "panels: " + panels.size());
        Set<Integer> ids = panels.stream().map(p -> p.path("id").asInt()).collect(Collectors.toSet());
        assertEquals(panels.size(), ids.size(), "panel ids are unique");
        for (JsonNode panel : panels) {
            assertEquals("${datasource}", panel.path("datasource").path("uid").asText(), panel.path("title").asText());
            assertFalse(panel.path("targets").isEmpty(), panel.path("title").asText());
        }
    }

    @Test
    void autoscalingOnRunsUsesRunsInFlightPerPodAndTheQueue() {
        HorizontalPodAutoscaler hpa = (HorizontalPodAutoscaler) TypedKubernetesObjects.parse(CHART.template(ValuesProfiles.ALL_SECRETS + """
                harness: {autoscaling: {enabled: true, metric: runs, minReplicas: 2, maxReplicas: 12, runs: {inFlightPerPod: 3, queuedPerPod: 5}}}
                """).one("HorizontalPodAutoscaler", HARNESS));
        List<MetricSpec> metrics = hpa.getSpec().getMetrics();
        assertEquals(List.of("Pods", "External"), metrics.stream().map(MetricSpec::getType).toList());
        assertEquals("agentharness_runs_in_flight", metrics.get(0).getPods().getMetric().getName());
        assertEquals("AverageValue", metrics.get(0).getPods().getTarget().getType());
        assertEquals("3", metrics.get(0).getPods().getTarget().getAverageValue().toString());
        assertEquals("agentharness_runs_queued", metrics.get(1).getExternal().getMetric().getName());
        assertEquals("AverageValue", metrics.get(1).getExternal().getTarget().getType());
        assertEquals("5", metrics.get(1).getExternal().getTarget().getAverageValue().toString());
        assertEquals(12, hpa.getSpec().getMaxReplicas());

        HorizontalPodAutoscaler withoutQueue = (HorizontalPodAutoscaler) TypedKubernetesObjects.parse(CHART.template(ValuesProfiles.ALL_SECRETS + """
                harness: {autoscaling: {enabled: true, metric: runs, runs: {inFlightPerPod: 4, queuedPerPod: 0}}}
                """).one("HorizontalPodAutoscaler", HARNESS));
        assertEquals(List.of("Pods"), withoutQueue.getSpec().getMetrics().stream().map(MetricSpec::getType).toList());

        Exception error = assertThrows(Exception.class, () -> CHART.template(ValuesProfiles.ALL_SECRETS + """
                harness: {autoscaling: {enabled: true, metric: memory}}
                """));
        assertTrue(error.getMessage().contains("metric"), error.getMessage());
    }

    @Test
    void scrapersMayReachTheHarnessPortWhenItsIngressIsRestricted() {
        NetworkPolicy policy = (NetworkPolicy) TypedKubernetesObjects.parse(CHART.template("""
                networkPolicy:
                  harnessIngressFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]
                  metricsScrapersFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
                """).one("NetworkPolicy", HARNESS));
        assertEquals(2, policy.getSpec().getIngress().size());
        var scrapers = policy.getSpec().getIngress().get(1);
        assertEquals("monitoring", scrapers.getFrom().getFirst().getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name"));
        assertEquals("http", scrapers.getPorts().getFirst().getPort().getStrVal());

        NetworkPolicy open = (NetworkPolicy) TypedKubernetesObjects.parse(CHART.template("""
                networkPolicy: {metricsScrapersFrom: [{namespaceSelector: {}}]}
                """).one("NetworkPolicy", HARNESS));
        assertEquals(1, open.getSpec().getIngress().size(), "an unrestricted port needs no second rule");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"monitoring.coreos.com", "azmonitoring.coreos.com"})
    void strictLintPassesWithEveryMetricsToggleOn(String apiGroup) {
        var result = CHART.lint(ValuesProfiles.ALL_SECRETS + """
                metrics:
                  apiGroup: %s
                  serviceMonitor: {enabled: true}
                  podMonitor: {enabled: true}
                  prometheusRule: {enabled: %s}
                  grafanaDashboard: {enabled: true}
                harness:
                  autoscaling: {enabled: true, metric: runs}
                """.formatted(apiGroup, !apiGroup.startsWith("az")));
        assertFalse(result.isFailed(), String.join("\n", result.getMessages()));
        assertEquals(List.of(), result.getMessages().stream()
                .filter(m -> m.contains("[ERROR]") || m.contains("[WARNING]")).toList());
    }

    @Test
    void lintSeesTheGivenValues() {
        // The lint above would prove nothing if the values never reached it: a combination the schema refuses fails.
        var result = CHART.lint("""
                metrics: {apiGroup: azmonitoring.coreos.com, prometheusRule: {enabled: true}}
                """);
        assertTrue(result.isFailed(), String.join("\n", result.getMessages()));
    }

    private static void assertSelects(Map<String, String> selector, Map<String, String> labels) {
        assertFalse(selector.isEmpty());
        assertTrue(labels.entrySet().containsAll(selector.entrySet()), selector + " does not select " + labels);
    }
}
