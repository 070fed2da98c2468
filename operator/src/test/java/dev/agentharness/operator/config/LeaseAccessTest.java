package dev.agentharness.operator.config;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRule;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The leader-election Role of {@code deploy/rbac.yml} against what really happens: JOSDK 5.3.2's own
 * {@code LeaderElectionManager} runs against the mock API server, which answers its start-up
 * {@code SelfSubjectRulesReview} with exactly the Role's rules (what a real API server answers a
 * subject bound only to that Role), and every request the elector then makes on Leases is mapped to
 * its RBAC verb. Why this exists: JOSDK checks get/create/update before it starts, but fabric8 7.5.2's
 * {@code LeaseLock} renews the Lease with a JSON merge PATCH — a Role without {@code patch} passes
 * the check and then loses the lease on the first renewal (the replica exits, forever).
 * The review itself needs no grant: {@code system:basic-user}, bound to every authenticated user,
 * allows creating SelfSubjectRulesReviews.
 */
@EnableKubernetesMockClient(crud = true)
class LeaseAccessTest {

    private static final String NAMESPACE = "agent-harness";
    private static final String LEASE = "agent-harness-operator";

    KubernetesMockServer server;
    KubernetesClient client;

    /** Reconciles nothing: an operator needs one controller to start. */
    static final class Idle implements Reconciler<ConfigMap> {
        @Override
        public UpdateControl<ConfigMap> reconcile(ConfigMap resource, Context<ConfigMap> context) {
            return UpdateControl.noUpdate();
        }
    }

    @Test
    void theCommittedRolePassesJosdksCheckAndCoversEveryLeaseCallAndNoMore() throws Exception {
        List<PolicyRule> rules = committedLeaderElectionRole().getRules();
        answerRulesReviewWith(rules);
        Operator operator = operator();
        try {
            operator.start();
            // Acquired (create), then renewed several times (get + patch).
            await().atMost(Duration.ofSeconds(20)).until(() -> leaseRequests().stream().filter(v -> v.equals("patch")).count() >= 3);
        } finally {
            operator.stop();
        }
        leaseRequests();
        Set<String> used = new TreeSet<>(recordedLeaseVerbs);
        Set<String> granted = grantedLeaseVerbs(rules);
        assertTrue(granted.containsAll(used), "the Role lacks " + difference(used, granted) + "; granted " + granted);
        Set<String> needed = new TreeSet<>(used);
        needed.addAll(List.of("get", "create", "update")); // JOSDK's start-up check, verbatim
        assertEquals(needed, granted, "exactly what JOSDK checks plus what fabric8 calls");
    }

    @Test
    void withoutUpdateJosdkRefusesToStart() {
        answerRulesReviewWith(List.of(new PolicyRule(List.of("coordination.k8s.io"), List.of(), List.of(), List.of("leases"),
                List.of("get", "create", "patch"))));
        Operator operator = operator();
        try {
            OperatorException error = assertThrows(OperatorException.class, operator::start);
            StringBuilder messages = new StringBuilder();
            for (Throwable t = error; t != null; t = t.getCause()) {
                messages.append(t.getMessage()).append(" / ");
            }
            assertTrue(messages.toString().contains("update"), messages.toString());
        } finally {
            operator.stop();
        }
    }

    private final List<String> recordedLeaseVerbs = new ArrayList<>();

    /** RBAC verbs of the Lease requests recorded so far (drains the server's request queue). */
    private List<String> leaseRequests() throws InterruptedException {
        RecordedRequest request;
        while ((request = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
            String path = request.getPath();
            if (path.contains("/apis/coordination.k8s.io/v1/namespaces/" + NAMESPACE + "/leases")) {
                recordedLeaseVerbs.add(verb(request.getMethod(), path));
            }
        }
        return recordedLeaseVerbs;
    }

    private static String verb(String method, String path) {
        boolean named = path.replaceFirst("\\?.*", "").endsWith("/leases/" + LEASE);
        return switch (method) {
            case "GET" -> named ? "get" : path.contains("watch=true") ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> throw new AssertionError("unexpected " + method + " " + path);
        };
    }

    private Operator operator() {
        Operator operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false)
                .withLeaderElectionConfiguration(LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(LEASE)
                        .withLeaseNamespace(NAMESPACE)
                        .withLeaseDuration(Duration.ofMillis(1500))
                        .withRenewDeadline(Duration.ofMillis(1000))
                        .withRetryPeriod(Duration.ofMillis(200))
                        .build()));
        operator.register(new Idle(), c -> c.settingNamespace(NAMESPACE));
        return operator;
    }

    private void answerRulesReviewWith(List<PolicyRule> rules) {
        List<ResourceRule> resourceRules = rules.stream()
                .map(r -> new ResourceRule(r.getApiGroups(), r.getResourceNames(), r.getResources(), r.getVerbs()))
                .toList();
        SelfSubjectRulesReview review = new SelfSubjectRulesReviewBuilder()
                .withNewSpec().withNamespace(NAMESPACE).endSpec()
                .withNewStatus().withIncomplete(false).withResourceRules(resourceRules).endStatus()
                .build();
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews").andReturn(201, review).always();
    }

    static Role committedLeaderElectionRole() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class).readValues(Path.of("deploy", "rbac.yml").toFile())) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc != null && "Role".equals(doc.path("kind").asText())) {
                    return Serialization.unmarshal(doc.toString(), Role.class);
                }
            }
        }
        throw new AssertionError("deploy/rbac.yml has no Role");
    }

    private static Set<String> grantedLeaseVerbs(List<PolicyRule> rules) {
        Set<String> verbs = new TreeSet<>();
        rules.stream().filter(r -> r.getApiGroups().contains("coordination.k8s.io") && r.getResources().contains("leases"))
                .forEach(r -> verbs.addAll(r.getVerbs()));
        return verbs;
    }

    private static Set<String> difference(Set<String> a, Set<String> b) {
        Set<String> d = new TreeSet<>(a);
        d.removeAll(b);
        return d;
    }
}
