package dev.agentharness.operator.testing;

import static org.awaitility.Awaitility.await;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunSpec;
import dev.agentharness.crds.v1alpha1.SandboxManifest;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Small verbs for tests against the mock API server: create an AgentRun, wait for its condition, list its Events. */
public final class Cluster {

    public static final Duration WAIT = Duration.ofSeconds(30);

    private final KubernetesClient client;
    private final String namespace;

    public Cluster(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    public String namespace() {
        return namespace;
    }

    public static AgentRun agentRun(String name, Consumer<AgentRunSpec> spec) {
        AgentRun run = new AgentRun();
        run.setMetadata(new ObjectMetaBuilder().withName(name).build());
        AgentRunSpec s = new AgentRunSpec();
        s.setAgent("maya");
        s.setInput("Hi, this is Jonas from account ACME-1002. My card was declined - can you help?");
        spec.accept(s);
        run.setSpec(s);
        return run;
    }

    public AgentRun create(AgentRun run) {
        run.getMetadata().setNamespace(namespace);
        run.getMetadata().setResourceVersion(null);
        run.getMetadata().setUid(null);
        return client.resource(run).inNamespace(namespace).create();
    }

    public SandboxManifest create(SandboxManifest manifest) {
        manifest.getMetadata().setNamespace(namespace);
        return client.resource(manifest).inNamespace(namespace).create();
    }

    public Optional<AgentRun> get(String name) {
        return Optional.ofNullable(client.resources(AgentRun.class).inNamespace(namespace).withName(name).get());
    }

    public AgentRun edit(String name, Consumer<AgentRun> change) {
        return client.resources(AgentRun.class).inNamespace(namespace).withName(name).edit(run -> {
            change.accept(run);
            return run;
        });
    }

    public void delete(String name) {
        client.resources(AgentRun.class).inNamespace(namespace).withName(name).delete();
    }

    public void awaitGone(String name) {
        await().atMost(WAIT).until(() -> get(name).isEmpty());
    }

    /** Waits until the AgentRun's Succeeded condition matches, and returns the AgentRun then. */
    public AgentRun awaitSucceeded(String name, String status, String reason) {
        return awaitRun(name, run -> succeeded(run).filter(c -> status.equals(c.getStatus()) && reason.equals(c.getReason()))
                .isPresent(), "Succeeded=" + status + " reason " + reason);
    }

    public AgentRun awaitRun(String name, Predicate<AgentRun> until, String what) {
        try {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
                    .until(() -> get(name).filter(until).isPresent());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("AgentRun " + namespace + "/" + name + " never reached " + what + "; last seen: "
                    + get(name).map(r -> io.fabric8.kubernetes.client.utils.Serialization.asYaml(r.getStatus()))
                    .orElse("(gone)"), e);
        }
        return get(name).orElseThrow();
    }

    public static Optional<Condition> succeeded(AgentRun run) {
        return run.getStatus() == null ? Optional.empty() : run.getStatus().condition(AgentRun.SUCCEEDED);
    }

    public List<Event> events(String name) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
    }

    public List<String> eventReasons(String name) {
        return events(name).stream().sorted(java.util.Comparator.comparing(Event::getFirstTimestamp)
                .thenComparing(e -> e.getMetadata().getCreationTimestamp() == null ? "" : e.getMetadata().getCreationTimestamp()))
                .map(Event::getReason).toList();
    }
}
