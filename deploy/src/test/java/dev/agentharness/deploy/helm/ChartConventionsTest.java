package dev.agentharness.deploy.helm;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chart's conventions (issue 16, item 6 and the workload identity of item 5), each through the real Helm engine:
 * rbac.create, priorityClassName, topologySpreadConstraints, the security contexts, extraEnv/extraEnvFrom, extra
 * volumes, image.digest, global.imageRegistry, commonLabels/commonAnnotations, the operator's PodDisruptionBudget and
 * Azure Workload Identity on the harness ServiceAccount. The full set of values is one ValuesProfiles profile, so the
 * typed-model, restricted Pod Security, secret and environment-name checks run over it too.
 */
class ChartConventionsTest {

    private static final HelmChart CHART = ChartRenderingTest.CHART;
    private static final String HARNESS = "ah-agent-harness-harness";
    private static final String OPERATOR = "ah-agent-harness-operator";
    private static final Set<String> RBAC_KINDS = Set.of("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding");
    private static final String EVERYTHING = ValuesProfiles.ALL_SECRETS + ValuesProfiles.NIGHTLY_ON
            + ValuesProfiles.CONVENTIONS;

    private static List<HasMetadata> typed(String values) {
        return ChartRenderingTest.typed(CHART.template(values));
    }

    private static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type, String name) {
        return objects.stream().filter(type::isInstance).map(type::cast)
                .filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    private static PodTemplateSpec harnessPod(List<HasMetadata> objects) {
        return one(objects, Deployment.class, HARNESS).getSpec().getTemplate();
    }

    private static PodTemplateSpec operatorPod(List<HasMetadata> objects) {
        return one(objects, Deployment.class, OPERATOR).getSpec().getTemplate();
    }

    private static PodTemplateSpec nightlyPod(List<HasMetadata> objects) {
        return one(objects, CronJob.class, "ah-agent-harness-eval-nightly").getSpec().getJobTemplate().getSpec().getTemplate();
    }

    private static PodTemplateSpec migrationsPod(List<HasMetadata> objects) {
        return one(objects, Job.class, "ah-agent-harness-migrations").getSpec().getTemplate();
    }

    @Test
    void rbacCreateFalseRendersNoRoleNoClusterRoleAndNoBinding() {
        String everyRbacObject = ValuesProfiles.ALL_SECRETS + "sandbox: {provider: kubernetes}\n";
        Set<String> withRbac = CHART.template(everyRbacObject).objects().stream().map(o -> o.path("kind").asText())
                .collect(Collectors.toSet());
        assertTrue(withRbac.containsAll(RBAC_KINDS), "all four kinds by default: " + withRbac);
        for (String values : List.of(everyRbacObject, ValuesProfiles.ALL_SECRETS + "operator: {watchNamespaces: [team-a]}\n")) {
            HelmChart.Rendered rendered = CHART.template(values + "rbac: {create: false}\n");
            assertEquals(List.of(), rendered.objects().stream().filter(o -> RBAC_KINDS.contains(o.path("kind").asText()))
                    .map(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText()).toList());
            assertFalse(rendered.ofKind("Deployment").isEmpty(), "the workloads stay");
            assertFalse(rendered.ofKind("ServiceAccount").isEmpty(), "and their ServiceAccounts (the subjects you bind)");
        }
    }

    @Test
    void priorityClassNamesAndTopologySpreadConstraintsReachTheirPodsAndSpreadTheComponentByDefault() {
        List<HasMetadata> objects = typed(EVERYTHING);
        PodSpec harness = harnessPod(objects).getSpec();
        assertEquals("agents-high", harness.getPriorityClassName());
        TopologySpreadConstraint zone = harness.getTopologySpreadConstraints().getFirst();
        assertEquals("topology.kubernetes.io/zone", zone.getTopologyKey());
        assertEquals("ScheduleAnyway", zone.getWhenUnsatisfiable());
        assertEquals(Map.of("app.kubernetes.io/name", "agent-harness", "app.kubernetes.io/instance", HelmChart.RELEASE,
                "app.kubernetes.io/component", "harness"), zone.getLabelSelector().getMatchLabels(),
                "no labelSelector given: the harness's own pods");
        PodSpec operator = operatorPod(objects).getSpec();
        assertEquals("agents-critical", operator.getPriorityClassName());
        assertEquals(Map.of("app.kubernetes.io/component", "operator"),
                operator.getTopologySpreadConstraints().getFirst().getLabelSelector().getMatchLabels(), "a given selector is kept");
        assertNull(nightlyPod(objects).getSpec().getPriorityClassName(), "the nightly batch job keeps the default priority");

        List<HasMetadata> defaults = typed("");
        for (PodSpec pod : List.of(harnessPod(defaults).getSpec(), operatorPod(defaults).getSpec())) {
            assertNull(pod.getPriorityClassName());
            assertTrue(pod.getTopologySpreadConstraints() == null || pod.getTopologySpreadConstraints().isEmpty());
        }
    }

    @Test
    void securityContextsDefaultToNonRootReadOnlyAndAreOverriddenFieldByField() {
        List<HasMetadata> defaults = typed(ValuesProfiles.ALL_SECRETS + ValuesProfiles.NIGHTLY_ON);
        for (PodTemplateSpec pod : List.of(harnessPod(defaults), operatorPod(defaults), nightlyPod(defaults), migrationsPod(defaults))) {
            PodSecurityContext podContext = pod.getSpec().getSecurityContext();
            assertEquals(List.of(true, 10001L, 10001L, 10001L, "RuntimeDefault"), List.of(podContext.getRunAsNonRoot(),
                    podContext.getRunAsUser(), podContext.getRunAsGroup(), podContext.getFsGroup(),
                    podContext.getSeccompProfile().getType()));
            var container = pod.getSpec().getContainers().getFirst().getSecurityContext();
            assertEquals(List.of(false, false, true, true, List.of("ALL")), List.of(container.getAllowPrivilegeEscalation(),
                    container.getPrivileged(), container.getReadOnlyRootFilesystem(), container.getRunAsNonRoot(),
                    container.getCapabilities().getDrop()));
            assertNull(container.getRunAsUser());
        }

        List<HasMetadata> overridden = typed(EVERYTHING);
        for (PodTemplateSpec pod : List.of(harnessPod(overridden), nightlyPod(overridden), migrationsPod(overridden))) {
            PodSecurityContext podContext = pod.getSpec().getSecurityContext();
            assertEquals(20001L, podContext.getRunAsUser(), "the harness image's pods share harness.podSecurityContext");
            assertEquals(20001L, podContext.getRunAsGroup());
            assertNull(podContext.getFsGroup(), "null drops a default field");
            assertTrue(podContext.getRunAsNonRoot(), "the other defaults stay");
            var container = pod.getSpec().getContainers().getFirst().getSecurityContext();
            assertEquals(20001L, container.getRunAsUser());
            assertTrue(container.getReadOnlyRootFilesystem());
        }
        PodSpec operator = operatorPod(overridden).getSpec();
        assertEquals(10001L, operator.getSecurityContext().getRunAsUser(), "the operator has its own");
        assertEquals(20002L, operator.getContainers().getFirst().getSecurityContext().getRunAsUser());
    }

    @Test
    void extraEnvTakesValueFromAndComesAfterTheChartsVariablesExtraEnvFromTakesWholeConfigMapsAndSecrets() {
        List<HasMetadata> objects = typed(EVERYTHING);
        for (PodTemplateSpec pod : List.of(harnessPod(objects), nightlyPod(objects))) {
            Container c = pod.getSpec().getContainers().getFirst();
            List<EnvVar> env = c.getEnv();
            int first = env.indexOf(env.stream().filter(e -> e.getName().equals("HARNESS_EXTRA_SETTING")).findFirst().orElseThrow());
            assertTrue(env.subList(0, first).stream().anyMatch(e -> e.getName().equals("HARNESS_API_KEYS")),
                    "after the chart's own variables and secrets");
            assertEquals("on", env.get(first).getValue());
            assertEquals("metadata.name", env.get(first + 1).getValueFrom().getFieldRef().getFieldPath());
            assertEquals("telemetry-settings", env.get(first + 2).getValueFrom().getConfigMapKeyRef().getName());
            assertEquals(List.of("SERPER_API_KEY", "tool-keys", "serper"), List.of(env.get(first + 3).getName(),
                    env.get(first + 3).getValueFrom().getSecretKeyRef().getName(), env.get(first + 3).getValueFrom().getSecretKeyRef().getKey()));
            assertEquals(List.of("configMap:harness-settings", "secret:harness-more"), envFrom(c.getEnvFrom()));
            assertTrue(c.getEnvFrom().get(1).getSecretRef().getOptional());
        }
        Container operator = operatorPod(objects).getSpec().getContainers().getFirst();
        assertEquals("operator-settings", operator.getEnv().getLast().getValueFrom().getConfigMapKeyRef().getName());
        assertEquals("OPERATOR_EXTRA", operator.getEnv().getLast().getName());
        assertEquals(List.of("secret:operator-more"), envFrom(operator.getEnvFrom()));
        Container migrate = migrationsPod(objects).getSpec().getContainers().getFirst();
        assertTrue(migrate.getEnvFrom() == null || migrate.getEnvFrom().isEmpty(), "the migration job reads the database only");

        Container plain = harnessPod(typed("")).getSpec().getContainers().getFirst();
        assertTrue(plain.getEnvFrom() == null || plain.getEnvFrom().isEmpty());
    }

    private static List<String> envFrom(List<EnvFromSource> sources) {
        return sources.stream().map(s -> s.getConfigMapRef() != null ? "configMap:" + s.getConfigMapRef().getName()
                : "secret:" + s.getSecretRef().getName()).toList();
    }

    @Test
    void extraVolumesAndMountsJoinTheChartsOwn() {
        List<HasMetadata> objects = typed(EVERYTHING);
        for (PodTemplateSpec pod : List.of(harnessPod(objects), nightlyPod(objects))) {
            var agents = pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals("agents")).findFirst().orElseThrow();
            assertEquals("my-agents", agents.getConfigMap().getName());
            var mounts = pod.getSpec().getContainers().getFirst().getVolumeMounts();
            assertTrue(mounts.stream().anyMatch(m -> m.getName().equals("tmp")), "the chart's own mounts stay");
            var mount = mounts.stream().filter(m -> m.getName().equals("agents")).findFirst().orElseThrow();
            assertEquals("/etc/agents", mount.getMountPath());
            assertTrue(mount.getReadOnly());
        }
        PodSpec operator = operatorPod(objects).getSpec();
        assertEquals("corporate-ca", operator.getVolumes().stream().filter(v -> v.getName().equals("ca")).findFirst()
                .orElseThrow().getSecret().getSecretName());
        assertEquals(List.of("/tmp", "/etc/ssl/corporate"), operator.getContainers().getFirst().getVolumeMounts().stream()
                .map(m -> m.getMountPath()).toList());
    }

    @Test
    void imageDigestPinsTheImageAndGlobalImageRegistryReplacesTheRegistry() {
        String harnessDigest = "sha256:" + "1".repeat(64);
        String operatorDigest = "sha256:" + "2".repeat(64);
        record Case(String values, String harness, String operator) {
        }
        for (Case c : List.of(
                new Case("", "ghcr.io/agent-harness/harness:0.1.0", "ghcr.io/agent-harness/operator:0.1.0"),
                new Case("harness: {image: {digest: \"" + harnessDigest + "\", tag: '9.9.9'}}\n",
                        "ghcr.io/agent-harness/harness@" + harnessDigest, "ghcr.io/agent-harness/operator:0.1.0"),
                new Case("global: {imageRegistry: registry.example.com}\n",
                        "registry.example.com/agent-harness/harness:0.1.0", "registry.example.com/agent-harness/operator:0.1.0"),
                new Case("global: {imageRegistry: mirror.example.com:5000/agents}\noperator: {image: {repository: agent-harness/operator, digest: \""
                        + operatorDigest + "\"}}\n",
                        "mirror.example.com:5000/agents/agent-harness/harness:0.1.0",
                        "mirror.example.com:5000/agents/agent-harness/operator@" + operatorDigest),
                new Case("global: {imageRegistry: localhost:5000}\nharness: {image: {repository: localhost/harness, tag: dev}}\n",
                        "localhost:5000/harness:dev", "localhost:5000/agent-harness/operator:0.1.0"))) {
            List<HasMetadata> objects = typed(ValuesProfiles.ALL_SECRETS + ValuesProfiles.NIGHTLY_ON + c.values());
            for (PodTemplateSpec pod : List.of(harnessPod(objects), nightlyPod(objects), migrationsPod(objects))) {
                assertEquals(c.harness(), pod.getSpec().getContainers().getFirst().getImage(), c.values());
            }
            assertEquals(c.operator(), operatorPod(objects).getSpec().getContainers().getFirst().getImage(), c.values());
        }
    }

    @Test
    void commonLabelsAndAnnotationsAreOnEveryObjectAndCommonLabelsOnEveryPod() {
        String values = EVERYTHING + ValuesProfiles.METRICS_ON + """
                sandbox: {provider: kubernetes}
                harness:
                  ingress: {enabled: true, host: agents.example.com, annotations: {cert-manager.io/cluster-issuer: letsencrypt}}
                  serviceAccount: {annotations: {example.com/owner: the-harness}}
                """;
        List<HasMetadata> objects = typed(values);
        Set<String> kinds = objects.stream().map(HasMetadata::getKind).collect(Collectors.toSet());
        assertTrue(kinds.containsAll(Set.of("CustomResourceDefinition", "Namespace", "Ingress", "CronJob", "Job",
                "ServiceMonitor", "PrometheusRule", "ConfigMap", "ClusterRole", "RoleBinding", "PodDisruptionBudget")), kinds.toString());
        for (HasMetadata o : objects) {
            String id = o.getKind() + "/" + o.getMetadata().getName();
            assertEquals("agents", o.getMetadata().getLabels().get("cost-center"), id);
            assertEquals("platform", o.getMetadata().getLabels().get("example.com/team"), id);
            String owner = o.getMetadata().getAnnotations() == null ? null : o.getMetadata().getAnnotations().get("example.com/owner");
            assertEquals(id.equals("ServiceAccount/" + HARNESS) ? "the-harness" : "platform-team", owner,
                    id + ": an object's own annotation wins over the common one");
        }
        for (PodTemplateSpec pod : List.of(harnessPod(objects), operatorPod(objects), nightlyPod(objects), migrationsPod(objects))) {
            assertEquals("agents", pod.getMetadata().getLabels().get("cost-center"));
        }
        Deployment harness = one(objects, Deployment.class, HARNESS);
        assertFalse(harness.getSpec().getSelector().getMatchLabels().containsKey("cost-center"),
                "selectors stay stable: a changed common label never orphans a ReplicaSet");
        assertEquals("letsencrypt", one(objects, io.fabric8.kubernetes.api.model.networking.v1.Ingress.class, HARNESS)
                .getMetadata().getAnnotations().get("cert-manager.io/cluster-issuer"));
        Map<String, String> hook = one(objects, Job.class, "ah-agent-harness-migrations").getMetadata().getAnnotations();
        assertEquals(List.of("pre-install,pre-upgrade", "-5", "before-hook-creation,hook-succeeded"),
                List.of(hook.get("helm.sh/hook"), hook.get("helm.sh/hook-weight"), hook.get("helm.sh/hook-delete-policy")));
        assertEquals("keep", objects.stream().filter(o -> o.getKind().equals("CustomResourceDefinition")).findFirst()
                .orElseThrow().getMetadata().getAnnotations().get("helm.sh/resource-policy"));

        for (HasMetadata o : typed("")) {
            assertFalse(o.getMetadata().getLabels().containsKey("cost-center"));
            Map<String, String> annotations = o.getMetadata().getAnnotations();
            assertTrue(annotations == null || !annotations.containsKey("example.com/owner"));
        }
        assertFalse(CHART.template("").text().contains("annotations: {}"), "no empty annotations without commonAnnotations");
    }

    @Test
    void theOperatorHasAPodDisruptionBudgetThatNeverBlocksADrainOfOneReplica() {
        PodDisruptionBudget pdb = one(typed(""), PodDisruptionBudget.class, OPERATOR);
        assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal());
        assertNull(pdb.getSpec().getMinAvailable());
        assertEquals(Map.of("app.kubernetes.io/name", "agent-harness", "app.kubernetes.io/instance", HelmChart.RELEASE,
                "app.kubernetes.io/component", "operator"), pdb.getSpec().getSelector().getMatchLabels());
        assertEquals(Set.of(HARNESS), budgets("operator: {podDisruptionBudget: {enabled: false}}\n"));
        assertEquals(Set.of(HARNESS), budgets(ValuesProfiles.ALL_SECRETS + "operator: {enabled: false}\n"));
        assertEquals("50%", one(typed("operator: {replicaCount: 2, podDisruptionBudget: {maxUnavailable: 50%}}\n"),
                PodDisruptionBudget.class, OPERATOR).getSpec().getMaxUnavailable().getStrVal());
    }

    private static Set<String> budgets(String values) {
        return typed(values).stream().filter(o -> o.getKind().equals("PodDisruptionBudget"))
                .map(o -> o.getMetadata().getName()).collect(Collectors.toSet());
    }

    @Test
    void azureWorkloadIdentityAnnotatesTheHarnessServiceAccountAndLabelsTheHarnessPods() {
        List<HasMetadata> objects = typed(EVERYTHING);
        ServiceAccount account = one(objects, ServiceAccount.class, HARNESS);
        assertEquals("11111111-2222-3333-4444-555555555555", account.getMetadata().getAnnotations().get("azure.workload.identity/client-id"));
        assertEquals("66666666-7777-8888-9999-000000000000", account.getMetadata().getAnnotations().get("azure.workload.identity/tenant-id"));
        for (PodTemplateSpec pod : List.of(harnessPod(objects), nightlyPod(objects))) {
            assertEquals("true", pod.getMetadata().getLabels().get("azure.workload.identity/use"));
            assertEquals(HARNESS, pod.getSpec().getServiceAccountName(), "the annotated account");
        }
        assertNull(operatorPod(objects).getMetadata().getLabels().get("azure.workload.identity/use"),
                "the operator calls no Azure service");
        assertNull(one(objects, ServiceAccount.class, OPERATOR).getMetadata().getAnnotations().get("azure.workload.identity/client-id"));

        // The client ID may also come as a plain ServiceAccount annotation; or the account may be yours (create: false).
        List<HasMetadata> byAnnotation = typed("""
                harness:
                  serviceAccount: {annotations: {azure.workload.identity/client-id: 11111111-2222-3333-4444-555555555555}}
                  azureWorkloadIdentity: {enabled: true}
                """);
        assertEquals("11111111-2222-3333-4444-555555555555", one(byAnnotation, ServiceAccount.class, HARNESS)
                .getMetadata().getAnnotations().get("azure.workload.identity/client-id"));
        assertEquals(Map.of(), Map.copyOf(one(byAnnotation, ServiceAccount.class, HARNESS).getMetadata().getAnnotations())
                .entrySet().stream().filter(e -> e.getKey().endsWith("tenant-id")).collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        PodTemplateSpec yours = harnessPod(typed("harness: {serviceAccount: {create: false, name: my-identity}, azureWorkloadIdentity: {enabled: true}}\n"));
        assertEquals("true", yours.getMetadata().getLabels().get("azure.workload.identity/use"));
        assertEquals("my-identity", yours.getSpec().getServiceAccountName());

        List<HasMetadata> off = typed("");
        assertNull(harnessPod(off).getMetadata().getLabels().get("azure.workload.identity/use"));
        Map<String, String> none = one(off, ServiceAccount.class, HARNESS).getMetadata().getAnnotations();
        assertTrue(none == null || none.isEmpty(), String.valueOf(none));
    }
}
