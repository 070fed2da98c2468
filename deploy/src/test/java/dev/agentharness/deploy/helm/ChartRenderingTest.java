package dev.agentharness.deploy.helm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.deploy.testing.RepositoryFiles;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `helm template` with the real engine, with the defaults and with every toggle (ValuesProfiles). */
class ChartRenderingTest {

    /** Every variable that carries a secret: it may only ever come from a secretKeyRef. */
    static final Set<String> SECRET_VARIABLES = Set.of("HARNESS_API_KEYS", "HARNESS_API_TOKEN", "OPENAI_API_KEY",
            "AZURE_OPENAI_API_KEY", "DATABASE_URL", "DATABASE_DIRECT_URL", "R2_ACCOUNT_ID", "R2_ACCESS_KEY_ID",
            "R2_SECRET_ACCESS_KEY", "R2_BUCKET", "E2B_API_KEY", "CLOUDFLARE_SANDBOX_API_KEY",
            "APPLICATIONINSIGHTS_CONNECTION_STRING", "PHOENIX_API_KEY", "OTEL_EXPORTER_OTLP_HEADERS",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "HARNESS_STORAGE_SIGNING_KEY", "HARNESS_STORAGE_SIGNING_KEY_PREVIOUS",
            "HARNESS_ALERTS_WEBHOOK_URL", "HARNESS_EVAL_WEBHOOK_URL");
    /** Shapes of secret values: an OpenAI/E2B key, a DSN with a password, a private key. */
    private static final Pattern SECRET_LOOKING = Pattern.compile(
            "sk-[A-Za-z0-9_-]{8,}|e2b_[A-Za-z0-9]{8,}|[a-z]+://[^\\s/:@]+:[^\\s/@]+@|-----BEGIN [A-Z ]*PRIVATE KEY");
    private static final Set<String> CLUSTER_SCOPED = Set.of("ClusterRole", "ClusterRoleBinding", "Namespace",
            "CustomResourceDefinition");

    static final HelmChart CHART = new HelmChart(RepositoryFiles.resolve("helm/agent-harness"));

    static Stream<ValuesProfiles.Profile> profiles() {
        return ValuesProfiles.all().stream();
    }

    static List<HasMetadata> typed(HelmChart.Rendered rendered) {
        return rendered.objects().stream().map(TypedKubernetesObjects::parse).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profiles")
    void everyRenderedObjectParsesIntoTheTypedModelWithNoUnknownField(ValuesProfiles.Profile profile) {
        List<HasMetadata> objects = typed(CHART.template(profile.values()));
        assertFalse(objects.isEmpty());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profiles")
    void everyPodTemplateMeetsTheRestrictedPodSecurityStandard(ValuesProfiles.Profile profile) {
        List<String> violations = new ArrayList<>();
        Map<String, PodSpec> pods = podSpecs(typed(CHART.template(profile.values())));
        assertFalse(pods.isEmpty());
        pods.forEach((owner, spec) -> violations.addAll(RestrictedPodSecurity.violations(owner, spec)));
        assertEquals(List.of(), violations);
        pods.forEach((owner, spec) -> spec.getContainers().forEach(c -> {
            assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem(), owner + ": read-only root filesystem");
            assertNotNull(c.getResources().getRequests(), owner + ": resource requests");
            assertNotNull(c.getResources().getLimits().get("memory"), owner + ": memory limit");
        }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profiles")
    void noSecretValueIsEverInlined(ValuesProfiles.Profile profile) {
        HelmChart.Rendered rendered = CHART.template(profile.values());
        List<HasMetadata> objects = typed(rendered);
        assertEquals(List.of(), objects.stream().filter(o -> o.getKind().equals("Secret")).map(o -> o.getMetadata().getName()).toList(),
                "the chart creates no Secret");
        podSpecs(objects).forEach((owner, spec) -> containers(spec).forEach(c -> {
            for (EnvVar env : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                if (SECRET_VARIABLES.contains(env.getName())) {
                    assertNull(env.getValue(), owner + ": " + env.getName() + " has an inline value");
                    assertNotNull(env.getValueFrom().getSecretKeyRef(), owner + ": " + env.getName() + " must come from a Secret");
                }
            }
        }));
        assertFalse(SECRET_LOOKING.matcher(rendered.text()).find(), "a secret-looking value in the manifest");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profiles")
    void namespacedObjectsLandInTheReleaseNamespaceOrTheSandboxNamespace(ValuesProfiles.Profile profile) {
        for (HasMetadata o : typed(CHART.template(profile.values()))) {
            if (CLUSTER_SCOPED.contains(o.getKind())) {
                assertNull(o.getMetadata().getNamespace(), o.getKind() + " is cluster-scoped");
            } else {
                assertTrue(Set.of(HelmChart.NAMESPACE, "agent-harness-sandboxes", "agent-sandboxes")
                        .contains(o.getMetadata().getNamespace()), o.getKind() + "/" + o.getMetadata().getName());
            }
            assertEquals("agent-harness", o.getMetadata().getLabels().get("app.kubernetes.io/part-of"));
        }
    }

    @Test
    void defaultsInstallTheHarnessTheOperatorTheirRbacAndNetworkPolicies() {
        Set<String> kinds = typed(CHART.template("")).stream()
                .filter(o -> !o.getKind().equals("CustomResourceDefinition"))
                .map(o -> o.getKind() + "/" + o.getMetadata().getName())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(List.of(
                "ClusterRole/ah-agent-harness-edit",
                "ClusterRole/ah-agent-harness-operator",
                "ClusterRole/ah-agent-harness-view",
                "ClusterRoleBinding/ah-agent-harness-operator",
                "Deployment/ah-agent-harness-harness",
                "Deployment/ah-agent-harness-operator",
                "NetworkPolicy/ah-agent-harness-harness",
                "NetworkPolicy/ah-agent-harness-operator",
                "PodDisruptionBudget/ah-agent-harness-harness",
                "PodDisruptionBudget/ah-agent-harness-operator",
                "Role/ah-agent-harness-operator-leader-election",
                "RoleBinding/ah-agent-harness-operator-leader-election",
                "Service/ah-agent-harness-harness",
                "ServiceAccount/ah-agent-harness-harness",
                "ServiceAccount/ah-agent-harness-operator")), kinds);
    }

    @Test
    void theHarnessServesPort8000WithItsProbesAndKeepsStateOnWritableVolumesOnly() {
        Deployment harness = (Deployment) TypedKubernetesObjects.parse(CHART.template("").one("Deployment", "ah-agent-harness-harness"));
        PodSpec pod = harness.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        assertEquals(8000, c.getPorts().get(0).getContainerPort());
        assertEquals("/health", c.getStartupProbe().getHttpGet().getPath());
        assertEquals("/q/health/live", c.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/q/health/ready", c.getReadinessProbe().getHttpGet().getPath());
        assertEquals("8000", env(c, "PORT"));
        assertEquals("/data", env(c, "HARNESS_DATA_DIR"));
        assertEquals("agent-harness-api-keys", c.getEnv().stream().filter(e -> e.getName().equals("HARNESS_API_KEYS"))
                .findFirst().orElseThrow().getValueFrom().getSecretKeyRef().getName());
        assertFalse(pod.getAutomountServiceAccountToken(), "no Kubernetes token without the kubernetes sandbox provider");
        assertEquals(Set.of("/tmp", "/data"), c.getVolumeMounts().stream().map(m -> m.getMountPath()).collect(Collectors.toSet()));
        assertNotNull(pod.getVolumes().stream().filter(v -> v.getName().equals("data")).findFirst().orElseThrow().getEmptyDir());
        assertEquals(1, harness.getSpec().getReplicas());
        Service service = (Service) TypedKubernetesObjects.parse(CHART.template("").one("Service", "ah-agent-harness-harness"));
        assertEquals("http", service.getSpec().getPorts().get(0).getTargetPort().getStrVal());
    }

    @Test
    void theOperatorFindsTheHarnessServiceAndReadsItsTokenFromASecret() {
        Deployment operator = (Deployment) TypedKubernetesObjects.parse(CHART.template("").one("Deployment", "ah-agent-harness-operator"));
        Container c = operator.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("http://ah-agent-harness-harness.agents.svc:80", env(c, "HARNESS_URL"));
        var token = c.getEnv().stream().filter(e -> e.getName().equals("HARNESS_API_TOKEN")).findFirst().orElseThrow();
        assertEquals("agent-harness-api-keys", token.getValueFrom().getSecretKeyRef().getName());
        assertEquals("HARNESS_API_TOKEN", token.getValueFrom().getSecretKeyRef().getKey());
        assertEquals("/q/health/live", c.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/q/health/ready", c.getReadinessProbe().getHttpGet().getPath());
        assertEquals("/q/health/live", c.getStartupProbe().getHttpGet().getPath());
    }

    @Test
    void theOperatorServesProbesAndMetricsOnTheOneHttpPortItListensOn() {
        for (String values : List.of("", "operator: {httpPort: 8081}\n")) {
            HelmChart.Rendered rendered = CHART.template(values);
            Deployment operator = (Deployment) TypedKubernetesObjects.parse(rendered.one("Deployment", "ah-agent-harness-operator"));
            Container c = operator.getSpec().getTemplate().getSpec().getContainers().get(0);
            int port = values.isEmpty() ? 8080 : 8081;
            assertEquals(List.of("http:" + port), c.getPorts().stream().map(p -> p.getName() + ":" + p.getContainerPort()).toList());
            assertEquals(Integer.toString(port), env(c, "OPERATOR_HTTP_PORT"), "Quarkus listens where the probes knock");
            for (var probe : List.of(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe())) {
                assertEquals("http", probe.getHttpGet().getPort().getStrVal());
            }
            Map<String, String> annotations = operator.getSpec().getTemplate().getMetadata().getAnnotations();
            assertEquals(Integer.toString(port), annotations.get("prometheus.io/port"));
            assertEquals("/q/metrics", annotations.get("prometheus.io/path"));
            NetworkPolicy policy = (NetworkPolicy) TypedKubernetesObjects.parse(rendered.one("NetworkPolicy", "ah-agent-harness-operator"));
            assertEquals("http", policy.getSpec().getIngress().getFirst().getPorts().getFirst().getPort().getStrVal(),
                    "the policy admits scrapes and probes on the named port");
            assertEquals("2S", env(c, "HARNESS_POLL_INTERVAL"));
            assertEquals("true", env(c, "LEADER_ELECTION_ENABLED"));
        }
    }

    /**
     * The paths the chart probes and scrapes are the ones the programs serve (BareBootTest and OperatorSurfaceTest
     * call them): /health is the harness API's own open resource; /q/health/* and /q/metrics are Quarkus's
     * defaults, which neither program moves; the harness moves Prometheus to /metrics.
     */
    @Test
    void probeAndMetricsPathsAreTheOnesTheProgramsServe() throws java.io.IOException {
        String harnessProperties = java.nio.file.Files.readString(RepositoryFiles.resolve("harness-runtime/src/main/resources/application.properties"));
        String operatorProperties = java.nio.file.Files.readString(RepositoryFiles.resolve("operator/src/main/resources/application.properties"));
        for (String properties : List.of(harnessProperties, operatorProperties)) {
            assertFalse(properties.contains("quarkus.http.non-application-root-path"), "/q stays /q");
            assertFalse(properties.contains("quarkus.smallrye-health.root-path"), "/q/health stays /q/health");
            assertFalse(properties.contains("quarkus.management.enabled"), "no separate management port");
        }
        assertFalse(operatorProperties.contains("quarkus.micrometer.export.prometheus.path"), "the operator's metrics at /q/metrics");
        assertTrue(harnessProperties.contains("quarkus.micrometer.export.prometheus.path=/metrics\n"));
        assertTrue(java.nio.file.Files.readString(RepositoryFiles.resolve("harness-api/src/main/java/dev/agentharness/api/HarnessApi.java"))
                .contains("@Path(\"health\")"), "GET /health is part of the harness API");
        assertTrue(java.nio.file.Files.readString(RepositoryFiles.resolve(
                "harness-runtime/src/main/java/dev/agentharness/runtime/security/ApiKeyFilter.java"))
                .contains("OPEN_PATHS = Set.of(\"/health\")"), "/health answers without an API key");
        Deployment harness = (Deployment) TypedKubernetesObjects.parse(CHART.template("").one("Deployment", "ah-agent-harness-harness"));
        assertEquals("/metrics", harness.getSpec().getTemplate().getMetadata().getAnnotations().get("prometheus.io/path"));
    }

    @Test
    void aDatabaseSecretBringsTheMigrationHookAgainstTheDirectEndpoint() {
        assertTrue(CHART.template("").ofKind("Job").isEmpty(), "no database, no migration job");
        HelmChart.Rendered rendered = CHART.template(ValuesProfiles.ALL_SECRETS);
        Job job = (Job) TypedKubernetesObjects.parse(rendered.one("Job", "ah-agent-harness-migrations"));
        assertEquals("pre-install,pre-upgrade", job.getMetadata().getAnnotations().get("helm.sh/hook"));
        assertEquals("before-hook-creation,hook-succeeded", job.getMetadata().getAnnotations().get("helm.sh/hook-delete-policy"));
        Container migrate = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(List.of("migrate"), migrate.getArgs());
        assertEquals("ghcr.io/agent-harness/harness:0.1.0", migrate.getImage());
        assertEquals(Set.of("DATABASE_URL", "DATABASE_DIRECT_URL"), migrate.getEnv().stream().map(EnvVar::getName).collect(Collectors.toSet()));
        assertEquals("neon", migrate.getEnv().get(1).getValueFrom().getSecretKeyRef().getName());
        assertEquals("Never", job.getSpec().getTemplate().getSpec().getRestartPolicy());
        assertFalse(job.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken());
        assertTrue(CHART.template(ValuesProfiles.ALL_SECRETS + "migrations: {enabled: false}\n").ofKind("Job").isEmpty());
    }

    @Test
    void theNightlyEvaluationIsACronJobWithTheHarnessImageEnvironmentAndSecretsThatServesNothing() {
        assertTrue(CHART.template(ValuesProfiles.ALL_SECRETS).ofKind("CronJob").isEmpty(), "off by default");
        HelmChart.Rendered rendered = CHART.template(ValuesProfiles.ALL_SECRETS + ValuesProfiles.NIGHTLY_ON);
        CronJob cron = (CronJob) TypedKubernetesObjects.parse(rendered.one("CronJob", "ah-agent-harness-eval-nightly"));
        assertEquals("30 2 * * *", cron.getSpec().getSchedule());
        assertEquals("Etc/UTC", cron.getSpec().getTimeZone());
        assertEquals("Forbid", cron.getSpec().getConcurrencyPolicy());
        assertEquals(5, cron.getSpec().getSuccessfulJobsHistoryLimit());
        assertEquals(0, cron.getSpec().getJobTemplate().getSpec().getBackoffLimit());
        PodSpec pod = cron.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
        assertEquals("Never", pod.getRestartPolicy());
        assertFalse(pod.getAutomountServiceAccountToken());
        Container job = pod.getContainers().get(0);
        assertEquals(List.of("eval", "nightly"), job.getArgs());
        assertNull(job.getPorts() == null || job.getPorts().isEmpty() ? null : job.getPorts(), "a job listens on nothing");
        assertNull(job.getReadinessProbe());
        Deployment harness = (Deployment) TypedKubernetesObjects.parse(rendered.one("Deployment", "ah-agent-harness-harness"));
        Container server = harness.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(server.getImage(), job.getImage());
        // Every variable of the harness, secrets by the same references; and the nightly's own settings.
        assertEquals(server.getEnv(), job.getEnv().subList(0, server.getEnv().size()));
        assertEquals("36h", env(job, "HARNESS_EVAL_NIGHTLY_WINDOW"));
        assertEquals("500", env(job, "HARNESS_EVAL_NIGHTLY_SAMPLE"));
        assertEquals("true", env(job, "HARNESS_EVAL_NIGHTLY_PER_AGENT"));
        assertEquals("4", env(job, "HARNESS_EVAL_NIGHTLY_CONCURRENCY"));
        assertEquals(Set.of("tmp", "data"), pod.getVolumes().stream()
                .map(io.fabric8.kubernetes.api.model.Volume::getName).collect(Collectors.toSet()));
        assertNotNull(pod.getVolumes().stream().filter(v -> v.getName().equals("data")).findFirst().orElseThrow()
                .getEmptyDir(), "scratch only, never the harness's volume claim");
        assertEquals("2Gi", job.getResources().getLimits().get("memory").toString());
        NetworkPolicy policy = (NetworkPolicy) TypedKubernetesObjects.parse(rendered.one("NetworkPolicy",
                "ah-agent-harness-eval-nightly"));
        assertEquals(List.of(), policy.getSpec().getIngress() == null ? List.of() : policy.getSpec().getIngress(),
                "nothing reaches the job");
        assertEquals("eval-nightly", policy.getSpec().getPodSelector().getMatchLabels().get("app.kubernetes.io/component"));

        IllegalStateException noDatabase = assertThrows(IllegalStateException.class,
                () -> CHART.template(ValuesProfiles.NIGHTLY_ON));
        assertTrue(noDatabase.getMessage().contains("secrets.database.existingSecret"), noDatabase.getMessage());
    }

    @Test
    void autoscalingHandsTheReplicaCountToTheHpa() {
        HelmChart.Rendered rendered = CHART.template(ValuesProfiles.ALL_SECRETS + "harness: {autoscaling: {enabled: true, minReplicas: 3, maxReplicas: 9}}\n");
        var hpa = (HorizontalPodAutoscaler) TypedKubernetesObjects.parse(rendered.one("HorizontalPodAutoscaler", "ah-agent-harness-harness"));
        assertEquals(3, hpa.getSpec().getMinReplicas());
        assertEquals(9, hpa.getSpec().getMaxReplicas());
        assertEquals("ah-agent-harness-harness", hpa.getSpec().getScaleTargetRef().getName());
        Deployment harness = (Deployment) TypedKubernetesObjects.parse(rendered.one("Deployment", "ah-agent-harness-harness"));
        assertNull(harness.getSpec().getReplicas(), "the HPA owns the replica count");
        var pdb = (PodDisruptionBudget) TypedKubernetesObjects.parse(rendered.one("PodDisruptionBudget", "ah-agent-harness-harness"));
        assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal());
    }

    @Test
    void theKubernetesSandboxProviderGetsARestrictedDenyAllNamespaceAndPodRightsThereOnly() {
        HelmChart.Rendered rendered = CHART.template(ValuesProfiles.ALL_SECRETS + "sandbox: {provider: kubernetes}\n");
        Namespace ns = (Namespace) TypedKubernetesObjects.parse(rendered.one("Namespace", "agent-harness-sandboxes"));
        assertEquals("restricted", ns.getMetadata().getLabels().get("pod-security.kubernetes.io/enforce"));
        NetworkPolicy denyAll = (NetworkPolicy) TypedKubernetesObjects.parse(rendered.one("NetworkPolicy", "deny-all"));
        assertEquals("agent-harness-sandboxes", denyAll.getMetadata().getNamespace());
        assertTrue(denyAll.getSpec().getPodSelector().getMatchLabels() == null || denyAll.getSpec().getPodSelector().getMatchLabels().isEmpty(),
                "selects every pod of the namespace");
        assertEquals(List.of("Ingress", "Egress"), denyAll.getSpec().getPolicyTypes());
        assertTrue(denyAll.getSpec().getIngress() == null || denyAll.getSpec().getIngress().isEmpty(), "no ingress rule");
        assertTrue(denyAll.getSpec().getEgress() == null || denyAll.getSpec().getEgress().isEmpty(), "no egress rule");
        var sandboxAccount = TypedKubernetesObjects.parse(rendered.one("ServiceAccount", "ah-agent-harness-sandbox"));
        assertFalse(((io.fabric8.kubernetes.api.model.ServiceAccount) sandboxAccount).getAutomountServiceAccountToken());
        Deployment harness = (Deployment) TypedKubernetesObjects.parse(rendered.one("Deployment", "ah-agent-harness-harness"));
        Container c = harness.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("kubernetes", env(c, "SANDBOX_PROVIDER"));
        assertEquals("agent-harness-sandboxes", env(c, "SANDBOX_K8S_NAMESPACE"));
        assertEquals("ah-agent-harness-sandbox", env(c, "SANDBOX_K8S_SERVICE_ACCOUNT"),
                "sandbox Pods run as the token-less account the chart creates there");
        assertEquals("agent-harness-sandboxes", sandboxAccount.getMetadata().getNamespace());
        assertTrue(c.getEnv().stream().noneMatch(e -> e.getName().equals("SANDBOX_K8S_IMAGE")), "the harness's default image");
        assertTrue(harness.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken());
        assertTrue(CHART.template(ValuesProfiles.ALL_SECRETS + "sandbox: {provider: kubernetes, createNamespace: false}\n")
                .ofKind("Namespace").isEmpty());
    }

    @Test
    void kubernetesSandboxSettingsBecomeTheProvidersVariables() {
        Deployment harness = (Deployment) TypedKubernetesObjects.parse(CHART.template(ValuesProfiles.ALL_SECRETS + """
                sandbox:
                  provider: kubernetes
                  kubernetes: {image: "registry.example.com/sandbox:1.2", runtimeClassName: gvisor, egressCidrs: [10.0.0.7/32, 192.168.0.0/24]}
                """).one("Deployment", "ah-agent-harness-harness"));
        Container c = harness.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("registry.example.com/sandbox:1.2", env(c, "SANDBOX_K8S_IMAGE"));
        assertEquals("gvisor", env(c, "SANDBOX_K8S_RUNTIME_CLASS"));
        assertEquals("10.0.0.7/32,192.168.0.0/24", env(c, "SANDBOX_K8S_EGRESS_CIDRS"));
    }

    @Test
    void thePriceTableIsAConfigMapMountedWhereHarnessPricesFileSaysAndRollsThePodsWhenItChanges() throws Exception {
        String values = """
                pricing:
                  models:
                    gpt-4.1-mini: {input_usd_per_mtok: 0.40, cached_input_usd_per_mtok: 0.10, output_usd_per_mtok: 1.60}
                    gpt-5.4: {input_usd_per_mtok: 1.25, output_usd_per_mtok: 10}
                """;
        HelmChart.Rendered rendered = CHART.template(values);
        var prices = rendered.one("ConfigMap", "ah-agent-harness-pricing");
        var table = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readTree(prices.path("data").path("prices.yaml").asText());
        assertEquals(1.60, table.path("models").path("gpt-4.1-mini").path("output_usd_per_mtok").asDouble());
        assertEquals(0.10, table.path("models").path("gpt-4.1-mini").path("cached_input_usd_per_mtok").asDouble());
        java.util.List<String> keys = new java.util.ArrayList<>();
        table.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("models"), keys, "the file the harness reads: models and nothing else");
        Deployment harness = (Deployment) TypedKubernetesObjects.parse(rendered.one("Deployment", "ah-agent-harness-harness"));
        Container c = harness.getSpec().getTemplate().getSpec().getContainers().get(0);
        String file = env(c, "HARNESS_PRICES_FILE");
        var mount = c.getVolumeMounts().stream().filter(m -> file.startsWith(m.getMountPath() + "/")).findFirst().orElseThrow();
        assertTrue(mount.getReadOnly());
        assertEquals("prices.yaml", file.substring(mount.getMountPath().length() + 1));
        var volume = harness.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        assertEquals("ah-agent-harness-pricing", volume.getConfigMap().getName());
        String checksum = harness.getSpec().getTemplate().getMetadata().getAnnotations().get("checksum/pricing");
        Deployment repriced = (Deployment) TypedKubernetesObjects.parse(CHART.template(values.replace("1.60", "1.70"))
                .one("Deployment", "ah-agent-harness-harness"));
        assertFalse(checksum.equals(repriced.getSpec().getTemplate().getMetadata().getAnnotations().get("checksum/pricing")),
                "a new price rolls the pods (prices are read at startup)");

        HelmChart.Rendered none = CHART.template("");
        assertTrue(none.ofKind("ConfigMap").stream().noneMatch(m -> m.path("metadata").path("name").asText()
                .endsWith("-pricing")));
        Deployment plain = (Deployment) TypedKubernetesObjects.parse(none.one("Deployment", "ah-agent-harness-harness"));
        assertTrue(plain.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .noneMatch(e -> e.getName().equals("HARNESS_PRICES_FILE")));
    }

    @Test
    void theCloudflareProviderGetsTheWorkerUrlAndItsKeyFromASecret() {
        Deployment harness = (Deployment) TypedKubernetesObjects.parse(CHART.template("""
                secrets: {cloudflare: {existingSecret: cf-worker}}
                sandbox: {provider: cloudflare, cloudflare: {workerUrl: "https://bridge.example.workers.dev"}}
                """).one("Deployment", "ah-agent-harness-harness"));
        Container c = harness.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("cloudflare", env(c, "SANDBOX_PROVIDER"));
        assertEquals("https://bridge.example.workers.dev", env(c, "CLOUDFLARE_SANDBOX_WORKER_URL"));
        var key = c.getEnv().stream().filter(e -> e.getName().equals("CLOUDFLARE_SANDBOX_API_KEY")).findFirst().orElseThrow();
        assertEquals(List.of("cf-worker", "CLOUDFLARE_SANDBOX_API_KEY"),
                List.of(key.getValueFrom().getSecretKeyRef().getName(), key.getValueFrom().getSecretKeyRef().getKey()));
        assertFalse(harness.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken(), "no Kubernetes API use");
    }

    @Test
    void telemetryCredentialsComeFromTheirSecretAndTheEndpointsFromPlainEnv() {
        Deployment harness = (Deployment) TypedKubernetesObjects.parse(CHART.template("""
                secrets:
                  telemetry:
                    existingSecret: observability
                    keys:
                      - {env: APPLICATIONINSIGHTS_CONNECTION_STRING, key: app-insights}
                      - {env: PHOENIX_API_KEY, key: phoenix}
                harness:
                  env: {PHOENIX_COLLECTOR_ENDPOINT: "https://phoenix.example", OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel:4317"}
                """).one("Deployment", "ah-agent-harness-harness"));
        Container c = harness.getSpec().getTemplate().getSpec().getContainers().get(0);
        for (var expected : java.util.Map.of("APPLICATIONINSIGHTS_CONNECTION_STRING", "app-insights",
                "PHOENIX_API_KEY", "phoenix").entrySet()) {
            var ref = c.getEnv().stream().filter(e -> e.getName().equals(expected.getKey())).findFirst().orElseThrow()
                    .getValueFrom().getSecretKeyRef();
            assertEquals(List.of("observability", expected.getValue()), List.of(ref.getName(), ref.getKey()));
        }
        assertEquals("https://phoenix.example", env(c, "PHOENIX_COLLECTOR_ENDPOINT"));
        assertEquals("http://otel:4317", env(c, "OTEL_EXPORTER_OTLP_ENDPOINT"));
    }

    @Test
    void tenantLimitsBecomeAConfigMapMountedAsTheTenantsFile() throws Exception {
        HelmChart.Rendered rendered = CHART.template("""
                tenants:
                  defaults: {requests_per_minute: 600, max_queued: 100}
                  principals: {ci-bot: {requests_per_minute: 60}}
                  namespaces: {team-a: {max_in_flight: 2, daily_budget_usd: 5.5}}
                  adminPrincipals: [ops, oncall]
                """);
        var configMap = rendered.one("ConfigMap", "ah-agent-harness-tenants");
        var file = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readTree(configMap.path("data").path("tenants.yaml").asText());
        assertEquals(new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"defaults": {"requests_per_minute": 600, "max_queued": 100},
                 "principals": {"ci-bot": {"requests_per_minute": 60}},
                 "namespaces": {"team-a": {"max_in_flight": 2, "daily_budget_usd": 5.5}}}
                """), file, "the file the harness reads, with numbers as numbers");
        Deployment harness = (Deployment) TypedKubernetesObjects.parse(rendered.one("Deployment", "ah-agent-harness-harness"));
        Container c = harness.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("/etc/agent-harness/tenants/tenants.yaml", env(c, "HARNESS_TENANTS_FILE"));
        assertEquals("ops,oncall", env(c, "HARNESS_ADMIN_PRINCIPALS"));
        var mount = c.getVolumeMounts().stream().filter(m -> m.getName().equals("tenants")).findFirst().orElseThrow();
        assertEquals("/etc/agent-harness/tenants", mount.getMountPath());
        assertTrue(mount.getReadOnly());
        var volume = harness.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("tenants")).findFirst().orElseThrow();
        assertEquals("ah-agent-harness-tenants", volume.getConfigMap().getName());
        String checksum = harness.getSpec().getTemplate().getMetadata().getAnnotations().get("checksum/tenants");
        assertEquals(64, checksum.length(), "a changed file rolls the pods");

        HelmChart.Rendered plain = CHART.template("");
        assertTrue(plain.ofKind("ConfigMap").stream().noneMatch(o -> o.path("metadata").path("name").asText()
                .endsWith("-tenants")), "no limits, no tenants file");
        Container unlimited = ((Deployment) TypedKubernetesObjects.parse(plain.one("Deployment", "ah-agent-harness-harness")))
                .getSpec().getTemplate().getSpec().getContainers().get(0);
        assertTrue(unlimited.getEnv().stream().noneMatch(e -> e.getName().equals("HARNESS_TENANTS_FILE")
                || e.getName().equals("HARNESS_ADMIN_PRINCIPALS")));
    }

    @Test
    void theLinkSigningKeysComeFromTheirSecretAndThePreviousOneMayBeAbsentFromIt() {
        Deployment harness = (Deployment) TypedKubernetesObjects.parse(CHART.template(
                "secrets: {storageSigning: {existingSecret: link-signing}}\n").one("Deployment", "ah-agent-harness-harness"));
        Container c = harness.getSpec().getTemplate().getSpec().getContainers().get(0);
        var current = c.getEnv().stream().filter(e -> e.getName().equals("HARNESS_STORAGE_SIGNING_KEY")).findFirst()
                .orElseThrow().getValueFrom().getSecretKeyRef();
        var previous = c.getEnv().stream().filter(e -> e.getName().equals("HARNESS_STORAGE_SIGNING_KEY_PREVIOUS"))
                .findFirst().orElseThrow().getValueFrom().getSecretKeyRef();
        assertEquals(List.of("link-signing", "HARNESS_STORAGE_SIGNING_KEY"), List.of(current.getName(), current.getKey()));
        assertNull(current.getOptional(), "the current key must be in the Secret");
        assertEquals(List.of("link-signing", "HARNESS_STORAGE_SIGNING_KEY_PREVIOUS"),
                List.of(previous.getName(), previous.getKey()));
        assertTrue(previous.getOptional(), "outside a rotation the Secret has no previous key");

        Deployment none = (Deployment) TypedKubernetesObjects.parse(CHART.template("").one("Deployment", "ah-agent-harness-harness"));
        assertTrue(none.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .noneMatch(e -> e.getName().startsWith("HARNESS_STORAGE_SIGNING_KEY")), "no Secret, no variable");
    }

    @Test
    void theAlertWebhookUrlComesOnlyFromItsSecret() {
        Deployment harness = (Deployment) TypedKubernetesObjects.parse(CHART.template(
                "secrets: {alerts: {existingSecret: alerts-webhook}}\n").one("Deployment", "ah-agent-harness-harness"));
        Container c = harness.getSpec().getTemplate().getSpec().getContainers().get(0);
        var url = c.getEnv().stream().filter(e -> e.getName().equals("HARNESS_ALERTS_WEBHOOK_URL")).findFirst()
                .orElseThrow().getValueFrom().getSecretKeyRef();
        assertEquals(List.of("alerts-webhook", "HARNESS_ALERTS_WEBHOOK_URL"), List.of(url.getName(), url.getKey()));

        Deployment none = (Deployment) TypedKubernetesObjects.parse(CHART.template("").one("Deployment", "ah-agent-harness-harness"));
        assertTrue(none.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .noneMatch(e -> e.getName().equals("HARNESS_ALERTS_WEBHOOK_URL")), "no Secret, no variable");
    }

    @Test
    void eachReleaseOwnsItsE2bSandboxesSoTwoInstallationsNeverReapEachOther() {
        String values = "secrets: {e2b: {existingSecret: e2b}}\nsandbox: {provider: e2b}\n";
        Deployment harness = (Deployment) TypedKubernetesObjects.parse(CHART.template(values).one("Deployment", "ah-agent-harness-harness"));
        Container c = harness.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("agents.ah", env(c, "E2B_SANDBOX_OWNER"), "<namespace>.<release>");
        assertTrue(c.getEnv().stream().noneMatch(e -> e.getName().equals("E2B_TEMPLATE")), "the harness's default template");
        Deployment own = (Deployment) TypedKubernetesObjects.parse(CHART.template(values.replace("{provider: e2b}",
                "{provider: e2b, e2b: {owner: team-a, template: py}}")).one("Deployment", "ah-agent-harness-harness"));
        assertEquals("team-a", env(own.getSpec().getTemplate().getSpec().getContainers().get(0), "E2B_SANDBOX_OWNER"));
        assertEquals("py", env(own.getSpec().getTemplate().getSpec().getContainers().get(0), "E2B_TEMPLATE"));
    }

    @Test
    void theIngressTerminatesTlsInFrontOfTheHarness() {
        HelmChart.Rendered rendered = CHART.template("""
                harness: {ingress: {enabled: true, className: nginx, host: agents.example.com, tlsSecretName: agents-tls}}
                """);
        Ingress ingress = (Ingress) TypedKubernetesObjects.parse(rendered.one("Ingress", "ah-agent-harness-harness"));
        assertEquals("agents-tls", ingress.getSpec().getTls().get(0).getSecretName());
        assertEquals("ah-agent-harness-harness", ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService().getName());
    }

    @Test
    void aMisspeltOrMisplacedFieldIsReportedNotSwallowed() {
        ObjectNode deployment = CHART.template("").one("Deployment", "ah-agent-harness-harness").deepCopy();
        ((ObjectNode) deployment.path("spec")).put("replica", 2);
        ((ObjectNode) deployment.path("spec").path("template").path("spec").path("containers").get(0)).put("imagePullPolicyy", "Always");
        AssertionError error = assertThrows(AssertionError.class, () -> TypedKubernetesObjects.parse(deployment));
        assertTrue(error.getMessage().contains("spec: [replica]"), error.getMessage());
        assertTrue(error.getMessage().contains("containers[0]: [imagePullPolicyy]"), error.getMessage());
    }

    @Test
    void thePodSecurityCheckCatchesWhatTheRestrictedProfileForbids() {
        Deployment harness = (Deployment) TypedKubernetesObjects.parse(CHART.template("").one("Deployment", "ah-agent-harness-harness"));
        PodSpec pod = harness.getSpec().getTemplate().getSpec();
        pod.setHostNetwork(true);
        pod.getContainers().get(0).getSecurityContext().setAllowPrivilegeEscalation(true);
        pod.getContainers().get(0).getSecurityContext().getCapabilities().setAdd(List.of("SYS_ADMIN"));
        pod.getVolumes().add(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("host")
                .withNewHostPath().withPath("/").endHostPath().build());
        pod.getSecurityContext().setSeccompProfile(new io.fabric8.kubernetes.api.model.SeccompProfile(null, "Unconfined"));
        List<String> violations = RestrictedPodSecurity.violations("harness", pod);
        assertEquals(5, violations.size(), violations.toString());
    }

    static Map<String, PodSpec> podSpecs(List<HasMetadata> objects) {
        Map<String, PodSpec> pods = new java.util.LinkedHashMap<>();
        for (HasMetadata o : objects) {
            String owner = o.getKind() + "/" + o.getMetadata().getName();
            switch (o) {
                case Deployment d -> pods.put(owner, d.getSpec().getTemplate().getSpec());
                case Job j -> pods.put(owner, j.getSpec().getTemplate().getSpec());
                case CronJob c -> pods.put(owner, c.getSpec().getJobTemplate().getSpec().getTemplate().getSpec());
                default -> assertFalse(Set.of("StatefulSet", "DaemonSet", "Pod", "ReplicaSet").contains(o.getKind()),
                        "a pod-bearing kind the checks do not cover: " + owner);
            }
        }
        return pods;
    }

    private static Stream<Container> containers(PodSpec spec) {
        return Stream.concat(spec.getContainers().stream(),
                spec.getInitContainers() == null ? Stream.empty() : spec.getInitContainers().stream());
    }

    private static String env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
                .map(EnvVar::getValue).orElseThrow(() -> new AssertionError("no env " + name));
    }
}
