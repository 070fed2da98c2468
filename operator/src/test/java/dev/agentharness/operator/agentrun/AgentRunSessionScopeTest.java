package dev.agentharness.operator.agentrun;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.operator.testing.Cluster;
import dev.agentharness.operator.testing.FakeHarness;
import dev.agentharness.operator.testing.FakeHarnessResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.List;
import java.util.HashSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sessions are scoped to the AgentRun's namespace: two namespaces naming {@code sessionId: shared} reach two
 * harness sessions, although the operator is one principal on the harness, and no spec.sessionId in one namespace
 * reaches another namespace's session.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@WithTestResource(FakeHarnessResource.class)
class AgentRunSessionScopeTest {

    @Inject
    KubernetesClient client;

    Cluster teamA;
    Cluster teamB;
    FakeHarness fake;

    @BeforeEach
    void setUp() {
        teamA = new Cluster(client, "team-a");
        teamB = new Cluster(client, "team-b");
        fake = FakeHarnessResource.fake();
        fake.onCreate(null);
    }

    @Test
    void theSameSessionIdInTwoNamespacesIsTwoHarnessSessions() {
        String aFirst = submitted(teamA, "a-first", s -> {
            s.setSessionId("shared");
            s.setInput("team-a's confidential plan");
        });
        fake.succeed(aFirst, "noted");
        teamA.awaitSucceeded("a-first", "True", "Succeeded");

        String bProbe = submitted(teamB, "b-probe", s -> {
            s.setSessionId("shared");
            s.setInput("what was said in this session before?");
        });
        // Naming the id the harness uses for team-a's session does not reach it either.
        String bSpoof = submitted(teamB, "b-spoof", s -> {
            s.setSessionId("team-a.shared");
            s.setInput("and in this one?");
        });
        String aSecond = submitted(teamA, "a-second", s -> {
            s.setSessionId("shared");
            s.setInput("and the follow-up");
        });

        String aSession = fake.requestOf(aFirst).sessionId();
        assertEquals(aSession, fake.requestOf(aSecond).sessionId(), "one namespace, one session id: one session");
        List<String> received = List.of(aSession, fake.requestOf(bProbe).sessionId(), fake.requestOf(bSpoof).sessionId());
        assertEquals(3, new HashSet<>(received).size(), "the harness must receive distinct session ids: " + received);
        assertEquals(List.of(), fake.historyOf(bProbe), "team-b's run sees none of team-a's history");
        assertEquals(List.of(), fake.historyOf(bSpoof), "team-b's run sees none of team-a's history");
        assertEquals(List.of("team-a's confidential plan"), fake.historyOf(aSecond), "team-a's follow-up sees its own");

        // The status shows the session as the user named it.
        fake.succeed(bProbe, "nothing yet");
        AgentRun probe = teamB.awaitSucceeded("b-probe", "True", "Succeeded");
        assertEquals("shared", probe.getStatus().getSessionId());
    }

    private String submitted(Cluster cluster, String name, Consumer<dev.agentharness.crds.v1alpha1.AgentRunSpec> spec) {
        cluster.create(Cluster.agentRun(name, spec));
        await().atMost(Cluster.WAIT).until(() -> fake.runFor(cluster.namespace(), name).isPresent());
        return fake.runFor(cluster.namespace(), name).orElseThrow();
    }
}
