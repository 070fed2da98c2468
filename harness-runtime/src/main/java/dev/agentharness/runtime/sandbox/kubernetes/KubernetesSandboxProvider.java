package dev.agentharness.runtime.sandbox.kubernetes;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestEntry;
import dev.agentharness.api.sandbox.ManifestProblem;
import dev.agentharness.runtime.sandbox.CachedHealth;
import dev.agentharness.runtime.sandbox.OwnedSandbox;
import dev.agentharness.runtime.sandbox.ProviderLimits;
import dev.agentharness.runtime.sandbox.Sandbox;
import dev.agentharness.runtime.sandbox.SandboxException;
import dev.agentharness.runtime.sandbox.SandboxProvider;
import dev.agentharness.runtime.sandbox.SandboxSpec;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Sandboxes as Pods (SPEC §8): one Pod per sandbox in {@code SANDBOX_K8S_NAMESPACE}, shaped by
 * {@link SandboxPodFactory}, fenced by its own NetworkPolicy ({@link SandboxNetworkPolicyFactory}),
 * driven through the API server's exec endpoint ({@link PodExec}) — the harness needs no route to
 * the Pod and the Pod holds nothing of the harness. The harness's service account needs, in that
 * namespace only: pods (create; get, list, watch — waiting for the Pod, listing owned ones, and exec
 * reads the Pod first; delete), pods/exec (get: fabric8 execs over a WebSocket, an HTTP GET; and create,
 * which Kubernetes 1.35+ also demands of WebSocket exec) and networkpolicies (create, delete). Nothing else:
 * no logs, no status writes, no reads of NetworkPolicies.
 */
public final class KubernetesSandboxProvider implements SandboxProvider {

    private static final Logger LOG = Logger.getLogger(KubernetesSandboxProvider.class);
    private static final SecureRandom IDS = new SecureRandom();
    private static final Duration HEALTH_CACHE = Duration.ofSeconds(10);
    /** Waiting reasons that will not resolve by waiting longer. */
    private static final List<String> HOPELESS = List.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
            "CreateContainerConfigError", "CreateContainerError", "RunContainerError");

    private final KubernetesClient client;
    private final KubernetesSandboxSettings settings;
    private final SandboxPodFactory pods;
    private final SandboxNetworkPolicyFactory policies;
    private final CachedHealth health = new CachedHealth(HEALTH_CACHE, this::namespaceListable);

    public KubernetesSandboxProvider(KubernetesClient client, KubernetesSandboxSettings settings) {
        this.client = client;
        this.settings = settings;
        this.pods = new SandboxPodFactory(settings);
        this.policies = new SandboxNetworkPolicyFactory(settings);
    }

    /** A client from fabric8's auto-configuration (in-cluster service account, or kubeconfig). */
    public static KubernetesSandboxProvider connect(KubernetesSandboxSettings settings) {
        KubernetesClient client = new KubernetesClientBuilder().build();
        LOG.infof("Kubernetes sandboxes in namespace %s (image %s%s) through %s", settings.namespace(), settings.image(),
                settings.runtimeClass().map(r -> ", runtimeClassName " + r).orElse(""), client.getMasterUrl());
        return new KubernetesSandboxProvider(client, settings);
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public List<ManifestProblem> unsupported(Manifest manifest) {
        List<ManifestProblem> problems = new ArrayList<>(ProviderLimits.reservedRoot(manifest, name(),
                List.of("/tmp", "/proc", "/dev", "/sys", "/etc", "/usr", "/bin", "/lib"), "mount the workspace over"));
        if (!manifest.network().egress().isEmpty() && settings.egressCidrs().isEmpty()) {
            problems.add(new ManifestProblem("network.egress", "the kubernetes provider cannot allow host names with a "
                    + "NetworkPolicy; the harness operator must set SANDBOX_K8S_EGRESS_CIDRS (for example the address "
                    + "of an egress proxy that enforces the host list)"));
        }
        problems.addAll(ProviderLimits.gitReposUnsupported(manifest, name()));
        return problems;
    }

    @Override
    public Sandbox create(SandboxSpec spec) throws SandboxException {
        List<ManifestProblem> problems = unsupported(spec.manifest());
        if (!problems.isEmpty()) {
            throw new SandboxException(problems.getFirst().toString());
        }
        if (!spec.manifest().network().egress().isEmpty()) {
            LOG.warnf("run %s: egress to %s is approximated by DNS plus SANDBOX_K8S_EGRESS_CIDRS %s; NetworkPolicy "
                    + "cannot match host names (use an egress proxy or a CNI with FQDN policies to enforce them)",
                    spec.runId(), spec.manifest().network().egress(), settings.egressCidrs());
        }
        String id = "sbx-" + HexFormat.of().formatHex(randomBytes());
        String root = spec.manifest().root();
        try {
            // The fence before the Pod: a Pod that started before its policy could reach anything for a moment.
            NetworkPolicy policy = client.network().v1().networkPolicies().inNamespace(settings.namespace())
                    .resource(policies.build(id, spec.runId(), spec.manifest().network()))
                    .create();
            Pod pod = pods.build(id, spec.runId(), root, spec.timeout(), Instant.now().plus(spec.timeout()));
            pod.getMetadata().setOwnerReferences(List.of(SandboxNetworkPolicyFactory.ownerOfPod(policy)));
            client.pods().inNamespace(settings.namespace()).resource(pod).create();
        } catch (KubernetesClientException e) {
            destroy(id);
            throw new SandboxException("the Kubernetes API server refused the sandbox Pod" + status(e));
        }
        KubernetesSandbox sandbox = new KubernetesSandbox(id, spec.runId(), root, settings.namespace(), client,
                () -> destroy(id));
        try {
            awaitRunning(id);
            materialise(sandbox, spec.manifest());
        } catch (SandboxException | RuntimeException e) {
            destroy(id);
            throw e instanceof SandboxException se ? se
                    : new SandboxException("could not provision the sandbox: " + e.getClass().getSimpleName(), e);
        }
        LOG.infof("sandbox %s created (kubernetes, namespace %s)", id, settings.namespace());
        return sandbox;
    }

    private void awaitRunning(String id) throws SandboxException {
        try {
            Pod pod = client.pods().inNamespace(settings.namespace()).withName(id).waitUntilCondition(
                    p -> p == null || phase(p).equals("Running") || phase(p).equals("Failed")
                            || phase(p).equals("Succeeded") || hopeless(p).isPresent(),
                    settings.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (pod == null) {
                throw new SandboxException("the sandbox Pod " + id + " was deleted while it started");
            }
            if (!phase(pod).equals("Running")) {
                throw new SandboxException("the sandbox Pod " + id + " did not start: "
                        + hopeless(pod).orElse("phase " + phase(pod)));
            }
        } catch (KubernetesClientTimeoutException e) {
            throw new SandboxException("the sandbox Pod " + id + " was not running after " + settings.startTimeout().toSeconds()
                    + " s (image pull, scheduling or quota: see 'kubectl -n " + settings.namespace() + " describe pod " + id + "')");
        } catch (KubernetesClientException e) {
            throw new SandboxException("could not watch the sandbox Pod " + id + status(e));
        }
    }

    private static String phase(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending" : pod.getStatus().getPhase();
    }

    private static Optional<String> hopeless(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return Optional.empty();
        }
        for (ContainerStatus status : pod.getStatus().getContainerStatuses()) {
            if (status.getState() != null && status.getState().getWaiting() != null
                    && HOPELESS.contains(status.getState().getWaiting().getReason())) {
                return Optional.of(status.getState().getWaiting().getReason());
            }
        }
        return Optional.empty();
    }

    private static void materialise(KubernetesSandbox sandbox, Manifest manifest) throws SandboxException {
        TreeSet<String> directories = new TreeSet<>();
        manifest.entries().forEach((path, entry) -> {
            String absolute = manifest.root() + "/" + path;
            if (entry instanceof ManifestEntry.Dir) {
                directories.add(absolute);
            }
        });
        if (!directories.isEmpty()) {
            sandbox.makeDirectories(List.copyOf(directories));
        }
        for (Map.Entry<String, ManifestEntry> entry : manifest.entries().entrySet()) {
            if (entry.getValue() instanceof ManifestEntry.File file) {
                sandbox.writeFile(entry.getKey(), file.content().getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    @Override
    public boolean healthy() {
        return health.get();
    }

    private boolean namespaceListable() {
        try {
            client.pods().inNamespace(settings.namespace()).withLabel(SandboxLabels.MANAGED_BY, SandboxLabels.MANAGED_BY_VALUE)
                    .list(new ListOptionsBuilder().withLimit(1L).build());
            return true;
        } catch (KubernetesClientException e) {
            LOG.warnf("cannot list sandbox Pods in namespace %s%s", settings.namespace(), status(e));
            return false;
        }
    }

    @Override
    public List<OwnedSandbox> owned() {
        List<OwnedSandbox> owned = new ArrayList<>();
        for (Pod pod : client.pods().inNamespace(settings.namespace())
                .withLabel(SandboxLabels.MANAGED_BY, SandboxLabels.MANAGED_BY_VALUE).list().getItems()) {
            Map<String, String> annotations = pod.getMetadata().getAnnotations() == null ? Map.of()
                    : pod.getMetadata().getAnnotations();
            Instant expiresAt;
            try {
                expiresAt = Instant.parse(annotations.getOrDefault(SandboxLabels.EXPIRES_AT, ""));
            } catch (DateTimeParseException e) {
                // Not written by this harness as it is now: nothing can use it.
                expiresAt = Instant.EPOCH;
            }
            owned.add(new OwnedSandbox(pod.getMetadata().getName(), annotations.get(SandboxLabels.RUN_ID_ANNOTATION), expiresAt));
        }
        return owned;
    }

    /** Deletes the Pod and its NetworkPolicy (the policy owns the Pod, so garbage collection would follow anyway). */
    @Override
    public void destroy(String sandboxId) {
        try {
            client.pods().inNamespace(settings.namespace()).withName(sandboxId).withGracePeriod(0).delete();
            client.network().v1().networkPolicies().inNamespace(settings.namespace()).withName(sandboxId).delete();
        } catch (KubernetesClientException e) {
            LOG.warnf("could not delete sandbox %s%s; the reaper retries", sandboxId, status(e));
        }
    }

    private static String status(KubernetesClientException e) {
        return e.getCode() > 0 ? " (HTTP " + e.getCode() + (e.getStatus() != null && e.getStatus().getReason() != null
                ? " " + e.getStatus().getReason() : "") + ")" : " (" + e.getClass().getSimpleName() + ")";
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[8];
        IDS.nextBytes(bytes);
        return bytes;
    }
}
