package dev.agentharness.operator.agentrun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.operator.testing.Cluster;
import dev.agentharness.operator.testing.FakeHarness;
import dev.agentharness.operator.testing.FakeHarnessResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code WATCH_NAMESPACES} ({@code quarkus.operator-sdk.namespaces}, the chart's {@code operator.watchNamespaces}):
 * the operator reconciles AgentRuns in the listed namespaces only; one elsewhere is never submitted nor touched.
 */
@QuarkusTest
@TestProfile(WatchNamespacesTest.WatchOne.class)
@WithKubernetesTestServer(crud = true)
@WithTestResource(FakeHarnessResource.class)
class WatchNamespacesTest {

    public static class WatchOne implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.operator-sdk.namespaces", "watched,also-watched");
        }
    }

    @Inject
    KubernetesClient client;

    @Test
    void onlyTheListedNamespacesAreReconciled() {
        FakeHarness fake = FakeHarnessResource.fake();
        Cluster watched = new Cluster(client, "watched");
        Cluster alsoWatched = new Cluster(client, "also-watched");
        Cluster elsewhere = new Cluster(client, "elsewhere");
        elsewhere.create(Cluster.agentRun("ignored", s -> { }));
        watched.create(Cluster.agentRun("seen", s -> { }));
        alsoWatched.create(Cluster.agentRun("seen", s -> { }));
        for (Cluster cluster : List.of(watched, alsoWatched)) {
            cluster.awaitSucceeded("seen", "Unknown", "Queued");
            fake.succeed(fake.runFor(cluster.namespace(), "seen").orElseThrow(), "hi");
            cluster.awaitSucceeded("seen", "True", "Succeeded");
        }
        assertTrue(fake.submissionsFor("elsewhere", "ignored").isEmpty(), "never submitted");
        var ignored = elsewhere.get("ignored").orElseThrow();
        assertNull(ignored.getStatus(), "no status written");
        assertEquals(List.of(), ignored.getMetadata().getFinalizers() == null ? List.of()
                : ignored.getMetadata().getFinalizers(), "no finalizer added");
    }
}
