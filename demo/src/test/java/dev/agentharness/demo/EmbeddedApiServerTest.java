package dev.agentharness.demo;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunSpec;
import dev.agentharness.crds.v1alpha1.AgentRunStatus;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The embedded API server's store, looked up through its name index ({@link IndexedCrudDispatcher}),
 * behaves as fabric8's CRUD store does: create, conflict, status patch, metadata patch, delete and
 * re-create, same names in other namespaces and kinds kept apart, watches see every change.
 */
class EmbeddedApiServerTest {

    static EmbeddedApiServer server;
    static KubernetesClient client;

    @BeforeAll
    static void start() {
        server = EmbeddedApiServer.start(DemoEnvironment.crds(Path.of("../crds/generated")));
        client = server.client();
        DemoEnvironment.crds(Path.of("../crds/generated")).forEach(crd -> client.resource(crd).create());
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    static AgentRun agentRun(String name) {
        AgentRun run = new AgentRun();
        run.setMetadata(new ObjectMetaBuilder().withName(name).build());
        AgentRunSpec spec = new AgentRunSpec();
        spec.setAgent("maya");
        spec.setInput("hello");
        run.setSpec(spec);
        return run;
    }

    @Test
    void resourcesAreFoundByNameAmongManyAndEveryKindOfWriteLands() {
        for (int i = 0; i < 200; i++) {
            client.resource(agentRun("many-" + i)).inNamespace("store").create();
        }
        AgentRun patched = client.resources(AgentRun.class).inNamespace("store").withName("many-150").editStatus(run -> {
            AgentRunStatus status = new AgentRunStatus();
            status.setRunId("run_150");
            run.setStatus(status);
            return run;
        });
        assertEquals("run_150", patched.getStatus().getRunId());
        client.resources(AgentRun.class).inNamespace("store").withName("many-150")
                .edit(run -> { run.getMetadata().setFinalizers(List.of("agentharness.dev/cancel-run")); return run; });

        AgentRun read = client.resources(AgentRun.class).inNamespace("store").withName("many-150").get();
        assertEquals("run_150", read.getStatus().getRunId());
        assertEquals(List.of("agentharness.dev/cancel-run"), read.getMetadata().getFinalizers());
        assertEquals(200, client.resources(AgentRun.class).inNamespace("store").list().getItems().size());
    }

    @Test
    void aSecondCreateOfTheSameNameConflictsAndADeletedNameCanBeCreatedAgain() {
        client.resource(agentRun("once")).inNamespace("conflicts").create();
        KubernetesClientException conflict = assertThrows(KubernetesClientException.class,
                () -> client.resource(agentRun("once")).inNamespace("conflicts").create());
        assertEquals(409, conflict.getCode());

        client.resources(AgentRun.class).inNamespace("conflicts").withName("once").delete();
        assertNull(client.resources(AgentRun.class).inNamespace("conflicts").withName("once").get());
        assertNotNull(client.resource(agentRun("once")).inNamespace("conflicts").create());
    }

    @Test
    void theSameNameInAnotherNamespaceOrKindIsAnotherResource() {
        client.resource(agentRun("twin")).inNamespace("left").create();
        client.resource(agentRun("twin")).inNamespace("right").create();
        ConfigMap map = new ConfigMapBuilder().withNewMetadata().withName("twin").endMetadata()
                .withData(Map.of("k", "v")).build();
        client.resource(map).inNamespace("left").create();

        client.resources(AgentRun.class).inNamespace("right").withName("twin").editStatus(run -> {
            AgentRunStatus status = new AgentRunStatus();
            status.setRunId("run_right");
            run.setStatus(status);
            return run;
        });

        assertNull(client.resources(AgentRun.class).inNamespace("left").withName("twin").get().getStatus());
        assertEquals("run_right", client.resources(AgentRun.class).inNamespace("right").withName("twin").get()
                .getStatus().getRunId());
        assertEquals("v", client.configMaps().inNamespace("left").withName("twin").get().getData().get("k"));
    }

    @Test
    void aWatchSeesCreatesStatusPatchesAndDeletes() {
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        try (Watch ignored = client.resources(AgentRun.class).inNamespace("watched").watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, AgentRun resource) {
                seen.merge(action.name(), 1, Integer::sum);
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        })) {
            client.resource(agentRun("w")).inNamespace("watched").create();
            client.resources(AgentRun.class).inNamespace("watched").withName("w").editStatus(run -> {
                AgentRunStatus status = new AgentRunStatus();
                status.setRunId("run_w");
                run.setStatus(status);
                return run;
            });
            client.resources(AgentRun.class).inNamespace("watched").withName("w").delete();
            await().atMost(10, TimeUnit.SECONDS).until(() -> seen.getOrDefault("DELETED", 0) == 1);
        }
        assertEquals(Map.of("ADDED", 1, "MODIFIED", 1, "DELETED", 1), seen);
    }
}
