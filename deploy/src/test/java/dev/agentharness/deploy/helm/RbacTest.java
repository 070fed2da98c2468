package dev.agentharness.deploy.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentharness.deploy.testing.RepositoryFiles;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Least privilege, and no second hand-written list: the chart's operator rules must equal the reviewed
 * {@code operator/deploy/rbac.yml} (which the operator build generates and its RbacIT/LeaseAccessTest check against the
 * code), and the harness's sandbox Role must equal {@code harness-runtime/deploy/sandbox-rbac.yml} (which
 * KubernetesSandboxProviderTest checks against every call the provider makes). Each expectation is read from those
 * files, so the chart cannot drift from what the code needs.
 */
class RbacTest {

    private static final String OPERATOR_RBAC = "operator/deploy/rbac.yml";
    private static final String SANDBOX_RBAC = "harness-runtime/deploy/sandbox-rbac.yml";

    static Stream<ValuesProfiles.Profile> profiles() {
        return ValuesProfiles.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profiles")
    void noRoleGrantsAWildcardOrTouchesSecrets(ValuesProfiles.Profile profile) {
        for (HasMetadata o : ChartRenderingTest.typed(ChartRenderingTest.CHART.template(profile.values()))) {
            for (PolicyRule rule : rules(o)) {
                String where = o.getKind() + "/" + o.getMetadata().getName() + " " + rule;
                Stream.of(rule.getVerbs(), rule.getResources(), rule.getApiGroups(), rule.getResourceNames())
                        .filter(l -> l != null).flatMap(List::stream)
                        .forEach(v -> assertFalse(v.contains("*"), "wildcard in " + where));
                assertTrue(rule.getNonResourceURLs() == null || rule.getNonResourceURLs().isEmpty(), where);
                assertFalse(rule.getResources().contains("secrets"), "no Secret access: " + where);
                assertFalse(rule.getVerbs().contains("escalate") || rule.getVerbs().contains("bind")
                        || rule.getVerbs().contains("impersonate"), where);
            }
        }
    }

    @Test
    void theOperatorClusterRoleEqualsTheReviewedOperatorRbac() {
        ClusterRole role = (ClusterRole) TypedKubernetesObjects.parse(
                ChartRenderingTest.CHART.template("").one("ClusterRole", "ah-agent-harness-operator"));
        Map<String, Set<String>> reviewed = grants(reviewed(OPERATOR_RBAC, "ClusterRole"));
        assertFalse(reviewed.isEmpty());
        assertEquals(reviewed, grants(role.getRules()));
        assertTrue(role.getRules().stream().allMatch(r -> r.getResourceNames() == null || r.getResourceNames().isEmpty()),
                "cluster-wide rules are per resource type");
    }

    @Test
    void theClusterRoleBindingNamesTheOperatorServiceAccountInTheReleaseNamespace() {
        var rendered = ChartRenderingTest.CHART.template("");
        ClusterRoleBinding binding = (ClusterRoleBinding) TypedKubernetesObjects.parse(
                rendered.one("ClusterRoleBinding", "ah-agent-harness-operator"));
        assertEquals("ah-agent-harness-operator", binding.getRoleRef().getName());
        Subject subject = binding.getSubjects().getFirst();
        assertEquals(List.of("ServiceAccount", "ah-agent-harness-operator", HelmChart.NAMESPACE),
                List.of(subject.getKind(), subject.getName(), subject.getNamespace()));
        var deployment = rendered.one("Deployment", "ah-agent-harness-operator");
        assertEquals(subject.getName(), deployment.path("spec").path("template").path("spec").path("serviceAccountName").asText());
        ClusterRoleBinding own = (ClusterRoleBinding) TypedKubernetesObjects.parse(ChartRenderingTest.CHART
                .template("operator: {serviceAccount: {create: false, name: operator-sa}}\n")
                .one("ClusterRoleBinding", "ah-agent-harness-operator"));
        assertEquals("operator-sa", own.getSubjects().getFirst().getName());
    }

    @Test
    void leaderElectionIsANamespacedRoleWithTheReviewedVerbsOnTheOperatorsOwnLease() {
        var rendered = ChartRenderingTest.CHART.template("operator: {leaderElection: {leaseName: my-lease}}\n");
        Role role = (Role) TypedKubernetesObjects.parse(rendered.one("Role", "ah-agent-harness-operator-leader-election"));
        assertEquals(HelmChart.NAMESPACE, role.getMetadata().getNamespace());
        assertEquals(grants(reviewed(OPERATOR_RBAC, "Role")), grants(role.getRules()));
        // Narrower than the reviewed file: all but "create" (which cannot name an object yet to exist) name the Lease.
        role.getRules().stream().filter(r -> !r.getVerbs().equals(List.of("create")))
                .forEach(r -> assertEquals(List.of("my-lease"), r.getResourceNames()));
        RoleBinding binding = (RoleBinding) TypedKubernetesObjects.parse(rendered.one("RoleBinding", "ah-agent-harness-operator-leader-election"));
        assertEquals(HelmChart.NAMESPACE, binding.getSubjects().getFirst().getNamespace());
        assertTrue(rendered.ofKind("ClusterRole").stream().noneMatch(o -> o.toString().contains("leases")),
                "no cluster-wide lease rights");
        var operator = rendered.one("Deployment", "ah-agent-harness-operator").path("spec").path("template").path("spec")
                .path("containers").get(0);
        assertEquals("my-lease", env(operator, "LEADER_ELECTION_LEASE_NAME").path("value").asText());
        assertEquals("metadata.namespace", env(operator, "LEADER_ELECTION_NAMESPACE").path("valueFrom").path("fieldRef")
                .path("fieldPath").asText(), "the Lease lives where the Role is");
    }

    @Test
    void withoutLeaderElectionThereIsNoLeaseRole() {
        var rendered = ChartRenderingTest.CHART.template("operator: {leaderElection: {enabled: false}}\n");
        assertTrue(rendered.ofKind("Role").isEmpty(), rendered.kinds().toString());
        var operator = rendered.one("Deployment", "ah-agent-harness-operator").path("spec").path("template").path("spec")
                .path("containers").get(0);
        assertEquals("false", env(operator, "LEADER_ELECTION_ENABLED").path("value").asText());
    }

    @Test
    void theHarnessSandboxRoleEqualsTheReviewedSandboxRbacAndLivesInTheSandboxNamespaceOnly() {
        var rendered = ChartRenderingTest.CHART.template(ValuesProfiles.ALL_SECRETS + "sandbox: {provider: kubernetes, namespace: sbx}\n");
        Role role = (Role) TypedKubernetesObjects.parse(rendered.one("Role", "ah-agent-harness-sandbox-manager"));
        assertEquals("sbx", role.getMetadata().getNamespace());
        assertEquals(grants(reviewed(SANDBOX_RBAC, "Role")), grants(role.getRules()));
        RoleBinding binding = (RoleBinding) TypedKubernetesObjects.parse(rendered.one("RoleBinding", "ah-agent-harness-sandbox-manager"));
        assertEquals("sbx", binding.getMetadata().getNamespace());
        Subject subject = binding.getSubjects().getFirst();
        assertEquals(List.of("ah-agent-harness-harness", HelmChart.NAMESPACE), List.of(subject.getName(), subject.getNamespace()));
        assertTrue(ChartRenderingTest.CHART.template("").ofKind("Role").stream()
                .noneMatch(r -> r.path("metadata").path("name").asText().contains("sandbox")), "only with the kubernetes provider");
    }

    @Test
    void withoutTheOperatorThereIsNoClusterWideRoleButTheAggregatedOnes() {
        var rendered = ChartRenderingTest.CHART.template("operator: {enabled: false}\nsecrets: {apiKeys: {existingSecret: keys}}\n");
        assertEquals(List.of("ah-agent-harness-edit", "ah-agent-harness-view"), rendered.ofKind("ClusterRole").stream()
                .map(o -> o.path("metadata").path("name").asText()).sorted().toList());
        assertEquals(List.of(), rendered.ofKind("ClusterRoleBinding"), "aggregated roles are bound by whoever binds edit/view");
        var noAggregation = ChartRenderingTest.CHART.template("operator: {enabled: false}\nsecrets: {apiKeys: {existingSecret: "
                + "keys}}\nrbac: {aggregate: false}\n");
        assertEquals(List.of(), noAggregation.ofKind("ClusterRole"));
    }

    /**
     * The built-in user-facing roles learn the custom resources: edit (and admin, which aggregates edit) may create and
     * change AgentRuns, SandboxManifests and Agents, view may read them; nobody but the operator writes a status.
     */
    @Test
    void aggregatedRolesLetEditAndViewUseTheCustomResources() {
        var rendered = ChartRenderingTest.CHART.template("");
        ClusterRole edit = (ClusterRole) TypedKubernetesObjects.parse(rendered.one("ClusterRole", "ah-agent-harness-edit"));
        ClusterRole view = (ClusterRole) TypedKubernetesObjects.parse(rendered.one("ClusterRole", "ah-agent-harness-view"));
        assertEquals("true", edit.getMetadata().getLabels().get("rbac.authorization.k8s.io/aggregate-to-edit"));
        assertEquals("true", view.getMetadata().getLabels().get("rbac.authorization.k8s.io/aggregate-to-view"));
        assertEquals(null, edit.getMetadata().getLabels().get("rbac.authorization.k8s.io/aggregate-to-view"));
        Set<String> write = Set.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
        Set<String> read = Set.of("get", "list", "watch");
        assertEquals(Map.of("agentharness.dev/agentruns", write, "agentharness.dev/sandboxmanifests", write,
                "agentharness.dev/agents", write, "agentharness.dev/agentruns/status", read,
                "agentharness.dev/sandboxmanifests/status", read, "agentharness.dev/agents/status", read),
                grants(edit.getRules()));
        assertEquals(Map.of("agentharness.dev/agentruns", read, "agentharness.dev/sandboxmanifests", read,
                "agentharness.dev/agents", read, "agentharness.dev/agentruns/status", read,
                "agentharness.dev/sandboxmanifests/status", read, "agentharness.dev/agents/status", read),
                grants(view.getRules()));
        assertTrue(ChartRenderingTest.CHART.template("rbac: {aggregate: false}\n").ofKind("ClusterRole").stream()
                .noneMatch(o -> o.toString().contains("aggregate-to-")), "rbac.aggregate=false renders none");
    }

    /** operator.watchNamespaces: the reviewed rules as a Role in each listed namespace, and no ClusterRole for them. */
    @Test
    void watchedNamespacesGetARoleEachInsteadOfTheClusterRole() {
        var rendered = ChartRenderingTest.CHART.template("operator: {watchNamespaces: [team-a, team-b]}\n");
        assertTrue(rendered.ofKind("ClusterRole").stream().noneMatch(o -> o.path("metadata").path("name").asText()
                .equals("ah-agent-harness-operator")), "no cluster-wide operator role");
        assertEquals(List.of(), rendered.ofKind("ClusterRoleBinding"));
        Map<String, Set<String>> reviewed = grants(reviewed(OPERATOR_RBAC, "ClusterRole"));
        List<Role> roles = rendered.ofKind("Role").stream().map(o -> (Role) TypedKubernetesObjects.parse(o))
                .filter(r -> r.getMetadata().getName().equals("ah-agent-harness-operator")).toList();
        assertEquals(List.of("team-a", "team-b"), roles.stream().map(r -> r.getMetadata().getNamespace()).sorted().toList());
        roles.forEach(role -> assertEquals(reviewed, grants(role.getRules()), role.getMetadata().getNamespace()));
        List<RoleBinding> bindings = rendered.ofKind("RoleBinding").stream().map(o -> (RoleBinding) TypedKubernetesObjects.parse(o))
                .filter(b -> b.getMetadata().getName().equals("ah-agent-harness-operator")).toList();
        assertEquals(List.of("team-a", "team-b"), bindings.stream().map(b -> b.getMetadata().getNamespace()).sorted().toList());
        for (RoleBinding binding : bindings) {
            assertEquals(List.of("Role", "ah-agent-harness-operator"), List.of(binding.getRoleRef().getKind(),
                    binding.getRoleRef().getName()));
            Subject subject = binding.getSubjects().getFirst();
            assertEquals(List.of("ServiceAccount", "ah-agent-harness-operator", HelmChart.NAMESPACE),
                    List.of(subject.getKind(), subject.getName(), subject.getNamespace()));
        }
        var operator = rendered.one("Deployment", "ah-agent-harness-operator").path("spec").path("template").path("spec")
                .path("containers").get(0);
        assertEquals("team-a,team-b", env(operator, "WATCH_NAMESPACES").path("value").asText());
        var everywhere = ChartRenderingTest.CHART.template("").one("Deployment", "ah-agent-harness-operator").path("spec")
                .path("template").path("spec").path("containers").get(0);
        assertEquals("", env(everywhere, "WATCH_NAMESPACES").path("value").asText(), "empty = every namespace");
    }

    /** The harness lets the operator's principal act for namespaces (HARNESS_NAMESPACE_DELEGATES), and nobody else. */
    @Test
    void theHarnessDelegatesNamespacesToTheOperatorsPrincipal() {
        var harness = ChartRenderingTest.CHART.template("").one("Deployment", "ah-agent-harness-harness").path("spec")
                .path("template").path("spec").path("containers").get(0);
        assertEquals("operator", env(harness, "HARNESS_NAMESPACE_DELEGATES").path("value").asText());
        var renamed = ChartRenderingTest.CHART.template("operator: {harnessPrincipal: k8s-operator}\n")
                .one("Deployment", "ah-agent-harness-harness").path("spec").path("template").path("spec")
                .path("containers").get(0);
        assertEquals("k8s-operator", env(renamed, "HARNESS_NAMESPACE_DELEGATES").path("value").asText());
        var withoutOperator = ChartRenderingTest.CHART.template("operator: {enabled: false}\n")
                .one("Deployment", "ah-agent-harness-harness").path("spec").path("template").path("spec")
                .path("containers").get(0);
        for (JsonNode e : withoutOperator.path("env")) {
            assertFalse(e.path("name").asText().equals("HARNESS_NAMESPACE_DELEGATES"), "no delegate without the operator");
        }
    }

    /** The rules of the one object of that kind in a reviewed RBAC file. */
    static List<PolicyRule> reviewed(String file, String kind) {
        YAMLMapper yaml = new YAMLMapper();
        List<PolicyRule> rules = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(RepositoryFiles.resolve(file).toFile())) {
            var docs = yaml.readValues(parser, JsonNode.class);
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc != null && kind.equals(doc.path("kind").asText())) {
                    HasMetadata typed = TypedKubernetesObjects.parse((ObjectNode) doc);
                    rules.addAll(rules(typed));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (rules.isEmpty()) {
            throw new AssertionError(file + " has no " + kind + " with rules");
        }
        return rules;
    }

    private static List<PolicyRule> rules(HasMetadata o) {
        return switch (o) {
            case ClusterRole c -> c.getRules();
            case Role r -> r.getRules();
            default -> List.of();
        };
    }

    private static JsonNode env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (name.equals(e.path("name").asText())) {
                return e;
            }
        }
        throw new AssertionError("no env " + name);
    }

    /** "group/resource" → verbs, merged over all rules. */
    static Map<String, Set<String>> grants(List<PolicyRule> rules) {
        Map<String, Set<String>> grants = new TreeMap<>();
        for (PolicyRule rule : rules) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    grants.computeIfAbsent(group + "/" + resource, k -> new TreeSet<>()).addAll(rule.getVerbs());
                }
            }
        }
        return grants;
    }
}
