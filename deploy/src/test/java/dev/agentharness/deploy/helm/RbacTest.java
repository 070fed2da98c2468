package dev.agentharness.deploy.helm;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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

/** Least privilege: no wildcard anywhere, and the operator's rules are exactly what SPEC §9 needs. */
class RbacTest {

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
    void theOperatorClusterRoleIsExactlyWhatItsControllersNeed() {
        var rendered = ChartRenderingTest.CHART.template("");
        ClusterRole role = (ClusterRole) TypedKubernetesObjects.parse(rendered.one("ClusterRole", "ah-agent-harness-operator"));
        assertEquals(Map.of(
                "agentharness.dev/agentruns", Set.of("get", "list", "watch", "patch", "update"),
                "agentharness.dev/sandboxmanifests", Set.of("get", "list", "watch", "patch", "update"),
                "agentharness.dev/agentruns/status", Set.of("get", "patch", "update"),
                "agentharness.dev/sandboxmanifests/status", Set.of("get", "patch", "update"),
                "agentharness.dev/agentruns/finalizers", Set.of("update"),
                "agentharness.dev/sandboxmanifests/finalizers", Set.of("update"),
                "/events", Set.of("create", "patch"),
                "apiextensions.k8s.io/customresourcedefinitions", Set.of("get")), grants(role.getRules()));
        PolicyRule crdRule = role.getRules().stream().filter(r -> r.getResources().contains("customresourcedefinitions")).findFirst().orElseThrow();
        assertEquals(List.of("agentruns.agentharness.dev", "sandboxmanifests.agentharness.dev"), crdRule.getResourceNames(),
                "reads its own two CRDs only");
    }

    @Test
    void leaderElectionIsANamespacedRoleOnTheOperatorsOwnLease() {
        var rendered = ChartRenderingTest.CHART.template("operator: {leaderElection: {leaseName: my-lease}}\n");
        Role role = (Role) TypedKubernetesObjects.parse(rendered.one("Role", "ah-agent-harness-operator-leader-election"));
        assertEquals(HelmChart.NAMESPACE, role.getMetadata().getNamespace());
        assertEquals(Map.of("coordination.k8s.io/leases", Set.of("create", "get", "update", "patch")), grants(role.getRules()));
        role.getRules().stream().filter(r -> !r.getVerbs().equals(List.of("create")))
                .forEach(r -> assertEquals(List.of("my-lease"), r.getResourceNames()));
        assertTrue(rendered.ofKind("ClusterRole").stream().noneMatch(o -> o.toString().contains("leases")),
                "no cluster-wide lease rights");
    }

    @Test
    void withoutTheOperatorThereIsNoClusterWideRole() {
        var rendered = ChartRenderingTest.CHART.template("operator: {enabled: false}\nsecrets: {apiKeys: {existingSecret: keys}}\n");
        assertEquals(List.of(), rendered.ofKind("ClusterRole"));
        assertEquals(List.of(), rendered.ofKind("ClusterRoleBinding"));
    }

    private static List<PolicyRule> rules(HasMetadata o) {
        return switch (o) {
            case ClusterRole c -> c.getRules();
            case Role r -> r.getRules();
            default -> List.of();
        };
    }

    /** "group/resource" → verbs, merged over all rules. */
    private static Map<String, Set<String>> grants(List<PolicyRule> rules) {
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
