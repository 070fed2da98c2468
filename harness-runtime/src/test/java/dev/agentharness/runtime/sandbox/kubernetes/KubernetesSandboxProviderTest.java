package dev.agentharness.runtime.sandbox.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestEntry;
import dev.agentharness.api.sandbox.Network;
import dev.agentharness.runtime.sandbox.OwnedSandbox;
import dev.agentharness.runtime.sandbox.Sandbox;
import dev.agentharness.runtime.sandbox.SandboxException;
import dev.agentharness.runtime.sandbox.SandboxSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes provider on the fabric8 mock API server in CRUD mode: the exact Pod and
 * NetworkPolicy it creates, waiting for the Pod to run (the mock runs no kubelet, so the test
 * sets the status a kubelet would), ownership for the reaper, destroy and health. Exec is covered
 * by {@link PodExecTest} on the same server's expectation mode.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesSandboxProviderTest {

    static final String NS = "sandboxes-test";
    static final Manifest EMPTY = new Manifest(null, null, null, null);

    /**
     * Runs the provider on a fresh thread whose context class loader is this test's. In the full suite the
     * common pool's threads may still carry the class loader of an earlier {@code @QuarkusTest}; fabric8's Vert.x
     * threads inherit it and then fail to deserialize watch events ("LimitRange not a subtype"), so the provider
     * would never see its Pod run.
     */
    static final java.util.concurrent.Executor OWN_LOADER = task -> {
        Thread thread = new Thread(task, "sandbox-create");
        thread.setContextClassLoader(KubernetesSandboxProviderTest.class.getClassLoader());
        thread.setDaemon(true);
        thread.start();
    };

    KubernetesMockServer server;
    KubernetesClient client;

    KubernetesSandboxProvider provider(UnaryOperator<KubernetesSandboxSettings> tweak) {
        return new KubernetesSandboxProvider(client, tweak.apply(KubernetesSandboxSettings.defaults(NS)));
    }

    /** Creates in the background and plays the kubelet: the first Pod that appears gets {@code status}. */
    Sandbox createAs(KubernetesSandboxProvider provider, SandboxSpec spec, UnaryOperator<Pod> kubelet) throws Exception {
        CompletableFuture<Sandbox> created = CompletableFuture.supplyAsync(() -> {
            try {
                return provider.create(spec);
            } catch (SandboxException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }, OWN_LOADER);
        Pod pod = awaitPod();
        // The mock's watch can miss an update made while the provider is still opening it (a real API server
        // replays from the list's resourceVersion): report the status again, as a kubelet keeps doing, until seen.
        for (int attempt = 0; attempt < 30; attempt++) {
            client.pods().inNamespace(NS).resource(kubelet.apply(pod)).updateStatus();
            try {
                return created.get(1, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException notYet) {
                pod = client.pods().inNamespace(NS).withName(pod.getMetadata().getName()).get();
                if (pod == null) {
                    return created.get(30, TimeUnit.SECONDS);
                }
            }
        }
        return created.get(1, TimeUnit.SECONDS);
    }

    Pod awaitPod() throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            List<Pod> pods = client.pods().inNamespace(NS).list().getItems();
            if (!pods.isEmpty()) {
                return pods.getFirst();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no Pod was created");
    }

    static Pod running(Pod pod) {
        return new PodBuilder(pod).withNewStatus().withPhase("Running").endStatus().build();
    }

    @Test
    void theSandboxPodHasTheRestrictedShapeAndNothingOfTheHarness() throws Exception {
        Sandbox sandbox = createAs(provider(s -> s), new SandboxSpec("run_abc123", "ses", EMPTY, Duration.ofMinutes(65)),
                KubernetesSandboxProviderTest::running);
        Pod pod = client.pods().inNamespace(NS).withName(sandbox.id()).get();

        assertTrue(sandbox.id().matches("sbx-[0-9a-f]{16}"), sandbox.id());
        assertEquals(Map.of("app.kubernetes.io/managed-by", "agent-harness", "app.kubernetes.io/component", "sandbox",
                "agentharness.dev/sandbox-id", sandbox.id(), "agentharness.dev/run-id", "run_abc123"), pod.getMetadata().getLabels());
        assertEquals("run_abc123", pod.getMetadata().getAnnotations().get("agentharness.dev/run-id"));
        Instant expires = Instant.parse(pod.getMetadata().getAnnotations().get("agentharness.dev/expires-at"));
        assertTrue(expires.isAfter(Instant.now().plusSeconds(64 * 60)) && expires.isBefore(Instant.now().plusSeconds(66 * 60)));

        var spec = pod.getSpec();
        assertEquals(false, spec.getAutomountServiceAccountToken());
        assertEquals(false, spec.getEnableServiceLinks());
        assertEquals(false, spec.getHostNetwork());
        assertEquals(false, spec.getHostPID());
        assertEquals(false, spec.getHostIPC());
        assertEquals("Never", spec.getRestartPolicy());
        assertEquals(65 * 60L, spec.getActiveDeadlineSeconds());
        assertEquals(0L, spec.getTerminationGracePeriodSeconds());
        assertNull(spec.getRuntimeClassName(), "no runtimeClassName unless configured");
        assertNull(spec.getServiceAccountName(), "the namespace's default account unless SANDBOX_K8S_SERVICE_ACCOUNT is set");
        PodSecurityContext podSecurity = spec.getSecurityContext();
        assertEquals(true, podSecurity.getRunAsNonRoot());
        assertEquals(1000L, podSecurity.getRunAsUser());
        assertEquals(1000L, podSecurity.getRunAsGroup());
        assertEquals(1000L, podSecurity.getFsGroup());
        assertEquals("RuntimeDefault", podSecurity.getSeccompProfile().getType());

        assertEquals(1, spec.getContainers().size());
        Container container = spec.getContainers().getFirst();
        assertEquals("sandbox", container.getName());
        assertEquals("python:3.13-slim", container.getImage());
        assertEquals(List.of("sleep", Long.toString(65 * 60)), container.getCommand());
        assertEquals(List.of(), container.getArgs());
        assertEquals("/workspace", container.getWorkingDir());
        assertEquals(List.of(new EnvVar("HOME", "/workspace", null), new EnvVar("TMPDIR", "/tmp", null)), container.getEnv(),
                "only constants: no variable of the harness");
        assertEquals(List.of(), container.getEnvFrom());
        SecurityContext security = container.getSecurityContext();
        assertEquals(true, security.getRunAsNonRoot());
        assertEquals(1000L, security.getRunAsUser());
        assertEquals(false, security.getPrivileged());
        assertEquals(false, security.getAllowPrivilegeEscalation());
        assertEquals(true, security.getReadOnlyRootFilesystem());
        assertEquals(List.of("ALL"), security.getCapabilities().getDrop());
        assertEquals(List.of(), security.getCapabilities().getAdd());
        assertEquals("RuntimeDefault", security.getSeccompProfile().getType());
        assertEquals(Map.of("cpu", new Quantity("250m"), "memory", new Quantity("256Mi")), container.getResources().getRequests());
        assertEquals(Map.of("cpu", new Quantity("1"), "memory", new Quantity("1Gi")), container.getResources().getLimits());
        assertEquals(List.of("workspace:/workspace", "tmp:/tmp"),
                container.getVolumeMounts().stream().map(m -> m.getName() + ":" + m.getMountPath()).toList());
        assertEquals(2, spec.getVolumes().size());
        assertEquals("workspace", spec.getVolumes().get(0).getName());
        assertEquals(new Quantity("1Gi"), spec.getVolumes().get(0).getEmptyDir().getSizeLimit());
        assertEquals("tmp", spec.getVolumes().get(1).getName());
        assertEquals(new Quantity("64Mi"), spec.getVolumes().get(1).getEmptyDir().getSizeLimit());
        assertTrue(spec.getVolumes().stream().allMatch(v -> v.getSecret() == null && v.getProjected() == null
                && v.getHostPath() == null), "no secret, projected token or host path volume");
    }

    @Test
    void aConfiguredRuntimeClassAndResourcesAreUsed() throws Exception {
        KubernetesSandboxProvider provider = provider(s -> new KubernetesSandboxSettings(NS, "busybox:1.37", Optional.of("gvisor"),
                "100m", "2", "128Mi", "2Gi", "5Gi", List.of(), Duration.ofSeconds(30), Optional.of("agent-sandbox")));
        Sandbox sandbox = createAs(provider, new SandboxSpec("run_rc", "ses", new Manifest("/home/agent", null, null, null),
                Duration.ofMinutes(5)), KubernetesSandboxProviderTest::running);
        Pod pod = client.pods().inNamespace(NS).withName(sandbox.id()).get();
        assertEquals("gvisor", pod.getSpec().getRuntimeClassName());
        assertEquals("agent-sandbox", pod.getSpec().getServiceAccountName(), "SANDBOX_K8S_SERVICE_ACCOUNT");
        assertEquals(false, pod.getSpec().getAutomountServiceAccountToken(), "still no token");
        Container container = pod.getSpec().getContainers().getFirst();
        assertEquals("busybox:1.37", container.getImage());
        assertEquals("/home/agent", container.getWorkingDir());
        assertEquals("/home/agent", container.getVolumeMounts().getFirst().getMountPath());
        assertEquals(Map.of("cpu", new Quantity("2"), "memory", new Quantity("2Gi")), container.getResources().getLimits());
        assertEquals(new Quantity("5Gi"), pod.getSpec().getVolumes().getFirst().getEmptyDir().getSizeLimit());
    }

    @Test
    void eachSandboxGetsADenyAllNetworkPolicyCreatedBeforeItsPodAndOwningIt() throws Exception {
        drainRequests();
        Sandbox sandbox = createAs(provider(s -> s), new SandboxSpec("run_np", "ses", EMPTY, Duration.ofMinutes(5)),
                KubernetesSandboxProviderTest::running);
        List<String> creations = drainRequests().stream().filter(r -> r.getMethod().equals("POST"))
                .map(r -> r.getPath().replaceFirst("\\?.*", "")).toList();
        assertEquals(List.of("/apis/networking.k8s.io/v1/namespaces/" + NS + "/networkpolicies",
                "/api/v1/namespaces/" + NS + "/pods"), creations, "the fence exists before the Pod can start");
        Pod pod = client.pods().inNamespace(NS).withName(sandbox.id()).get();
        NetworkPolicy policy = client.network().v1().networkPolicies().inNamespace(NS).withName(sandbox.id()).get();
        assertEquals(Map.of("agentharness.dev/sandbox-id", sandbox.id()), policy.getSpec().getPodSelector().getMatchLabels());
        assertEquals(List.of("Ingress", "Egress"), policy.getSpec().getPolicyTypes());
        assertEquals(List.of(), policy.getSpec().getIngress());
        assertEquals(List.of(), policy.getSpec().getEgress(), "no egress rule at all: not even DNS");
        var owner = pod.getMetadata().getOwnerReferences().getFirst();
        assertEquals(List.of("networking.k8s.io/v1", "NetworkPolicy", sandbox.id(), policy.getMetadata().getUid()),
                List.of(owner.getApiVersion(), owner.getKind(), owner.getName(), owner.getUid()),
                "the policy owns the Pod: no Pod outlives its policy");
        assertEquals("agent-harness", policy.getMetadata().getLabels().get("app.kubernetes.io/managed-by"));
    }

    @Test
    void egressHostsBecomeDnsPlusTheConfiguredCidrsAndAreRefusedWithoutThem() throws Exception {
        Manifest withEgress = new Manifest(null, null, null, new Network(List.of("pypi.org")));
        assertEquals("network.egress: the kubernetes provider cannot allow host names with a NetworkPolicy; the harness "
                        + "operator must set SANDBOX_K8S_EGRESS_CIDRS (for example the address of an egress proxy that "
                        + "enforces the host list)",
                provider(s -> s).unsupported(withEgress).getFirst().toString());

        KubernetesSandboxProvider proxied = provider(s -> new KubernetesSandboxSettings(NS, s.image(), Optional.empty(),
                s.cpuRequest(), s.cpuLimit(), s.memoryRequest(), s.memoryLimit(), s.workspaceSize(),
                List.of("10.0.0.7/32", "192.168.10.0/24"), s.startTimeout(), s.serviceAccount()));
        assertEquals(List.of(), proxied.unsupported(withEgress));
        Sandbox sandbox = createAs(proxied, new SandboxSpec("run_eg", "ses", withEgress, Duration.ofMinutes(5)),
                KubernetesSandboxProviderTest::running);
        List<NetworkPolicyEgressRule> egress = client.network().v1().networkPolicies().inNamespace(NS)
                .withName(sandbox.id()).get().getSpec().getEgress();
        assertEquals(2, egress.size());
        var dns = egress.get(0);
        assertEquals(Map.of("kubernetes.io/metadata.name", "kube-system"), dns.getTo().getFirst().getNamespaceSelector().getMatchLabels());
        assertEquals(Map.of("k8s-app", "kube-dns"), dns.getTo().getFirst().getPodSelector().getMatchLabels());
        assertEquals(List.of("UDP:53", "TCP:53"), dns.getPorts().stream()
                .map(p -> p.getProtocol() + ":" + p.getPort().getIntVal()).toList());
        assertEquals(List.of("10.0.0.7/32", "192.168.10.0/24"),
                egress.get(1).getTo().stream().map(peer -> peer.getIpBlock().getCidr()).toList());
        assertEquals(List.of(), egress.get(1).getPorts());
    }

    @Test
    void aPodThatCannotStartIsDeletedAndTheReasonReported() throws Exception {
        KubernetesSandboxProvider provider = provider(s -> s);
        CompletableFuture<SandboxException> failure = CompletableFuture.supplyAsync(() -> {
            try {
                provider.create(new SandboxSpec("run_bad", "ses", EMPTY, Duration.ofMinutes(5)));
                return null;
            } catch (SandboxException e) {
                return e;
            }
        }, OWN_LOADER);
        Pod pod = awaitPod();
        client.pods().inNamespace(NS).resource(new PodBuilder(pod).withNewStatus().withPhase("Pending")
                .withContainerStatuses(new ContainerStatusBuilder().withName("sandbox").withNewState().withNewWaiting()
                        .withReason("ImagePullBackOff").endWaiting().endState().build())
                .endStatus().build()).updateStatus();
        SandboxException e = failure.get(30, TimeUnit.SECONDS);
        assertEquals("the sandbox Pod " + pod.getMetadata().getName() + " did not start: ImagePullBackOff", e.getMessage());
        assertEquals(List.of(), client.pods().inNamespace(NS).list().getItems());
        assertEquals(List.of(), client.network().v1().networkPolicies().inNamespace(NS).list().getItems());
    }

    @Test
    void ownedListsTheHarnessPodsWithRunAndExpiryAndDestroyRemovesPodAndPolicy() throws Exception {
        KubernetesSandboxProvider provider = provider(s -> s);
        Sandbox sandbox = createAs(provider, new SandboxSpec("run_own", "ses", EMPTY, Duration.ofMinutes(10)),
                KubernetesSandboxProviderTest::running);
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("someone-else")
                .addToLabels("app", "other").endMetadata().build()).create();

        List<OwnedSandbox> owned = provider.owned();
        assertEquals(1, owned.size());
        assertEquals(sandbox.id(), owned.getFirst().sandboxId());
        assertEquals("run_own", owned.getFirst().runId());
        assertTrue(owned.getFirst().expiresAt().isAfter(Instant.now().plusSeconds(9 * 60)));
        assertTrue(sandbox.alive());

        sandbox.destroy();
        assertFalse(sandbox.alive());
        assertNull(client.pods().inNamespace(NS).withName(sandbox.id()).get());
        assertNull(client.network().v1().networkPolicies().inNamespace(NS).withName(sandbox.id()).get());
        assertEquals(List.of(), provider.owned());
        provider.destroy(sandbox.id());
        assertEquals(List.of("someone-else"), client.pods().inNamespace(NS).list().getItems().stream()
                .map(p -> p.getMetadata().getName()).toList(), "Pods the harness did not make are never touched");
    }

    /**
     * The rights of {@code harness-runtime/deploy/sandbox-rbac.yml} (which the Helm chart's Role is tested equal to)
     * are exactly the API calls of a sandbox's whole life: create (with its NetworkPolicy and the wait for the Pod),
     * owned, healthy, alive, destroy. Exec is {@code pods/exec}: every exec in {@link PodExecTest} is answered only
     * on GET (a WebSocket upgrade), hence "get"; "create" is what Kubernetes 1.35+ also demands of it.
     */
    @Test
    void theReviewedSandboxRoleGrantsExactlyTheCallsTheProviderMakes() throws Exception {
        // The provider gets a client of its own, told apart by its User-Agent from this test playing the kubelet.
        String agent = "sandbox-provider-under-test";
        try (KubernetesClient providerClient = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(client.getConfiguration()).withUserAgent(agent).build()).build()) {
            drainRequests();
            KubernetesSandboxProvider provider = new KubernetesSandboxProvider(providerClient, KubernetesSandboxSettings.defaults(NS));
            Sandbox sandbox = createAs(provider, new SandboxSpec("run_rbac", "ses", EMPTY, Duration.ofMinutes(5)),
                    KubernetesSandboxProviderTest::running);
            provider.owned();
            assertTrue(provider.healthy());
            assertTrue(sandbox.alive());
            sandbox.destroy();
        }
        Set<String> used = new TreeSet<>();
        Pattern resourcePath = Pattern.compile("^/(?:api/v1|apis/([a-z0-9.]+)/v1)/namespaces/" + NS + "/([a-z]+)(/[^/]+)?(/[a-z]+)?$");
        for (var request : drainRequests()) {
            if (!agent.equals(request.getHeaders().get("User-Agent"))) {
                continue;
            }
            Matcher m = resourcePath.matcher(request.getPath().replaceFirst("\\?.*", ""));
            assertTrue(m.matches(), "a call outside the sandbox namespace: " + request.getMethod() + " " + request.getPath());
            String resource = (m.group(1) == null ? "" : m.group(1)) + "/" + m.group(2) + (m.group(4) == null ? "" : m.group(4));
            boolean named = m.group(3) != null;
            used.add(resource + ":" + switch (request.getMethod()) {
                case "GET" -> named ? "get" : request.getPath().contains("watch=true") ? "watch" : "list";
                case "POST" -> "create";
                case "PUT" -> "update";
                case "PATCH" -> "patch";
                case "DELETE" -> named ? "delete" : "deletecollection";
                default -> request.getMethod();
            });
        }
        assertTrue(used.contains("/pods:list"), "the wait for the Pod is an informer on its name: a list, then a watch");
        Set<String> expected = new TreeSet<>(used);
        // The watch is made only while the Pod is not running yet; here the test's kubelet may report Running before
        // the informer's first list, so it is added rather than observed.
        expected.add("/pods:watch");
        expected.addAll(List.of("/pods/exec:get", "/pods/exec:create"));
        assertEquals(expected, new TreeSet<>(reviewedSandboxRules()), "deploy/sandbox-rbac.yml vs the provider's calls (+ exec)");
    }

    private List<io.fabric8.mockwebserver.http.RecordedRequest> drainRequests() throws InterruptedException {
        List<io.fabric8.mockwebserver.http.RecordedRequest> requests = new java.util.ArrayList<>();
        io.fabric8.mockwebserver.http.RecordedRequest request;
        while ((request = server.takeRequest(200, TimeUnit.MILLISECONDS)) != null) {
            requests.add(request);
        }
        return requests;
    }

    /** "group/resource:verb" of the Role in deploy/sandbox-rbac.yml. */
    static List<String> reviewedSandboxRules() throws java.io.IOException {
        List<String> rules = new java.util.ArrayList<>();
        // Several documents: fabric8 answers a list of the typed objects.
        Object parsed = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                java.nio.file.Files.readString(java.nio.file.Path.of("deploy", "sandbox-rbac.yml")));
        for (Object item : parsed instanceof List<?> list ? list : List.of(parsed)) {
            if (item instanceof io.fabric8.kubernetes.api.model.rbac.Role role) {
                role.getRules().forEach(r -> r.getApiGroups().forEach(g -> r.getResources().forEach(res ->
                        r.getVerbs().forEach(v -> rules.add(g + "/" + res + ":" + v)))));
            }
        }
        return rules;
    }

    @Test
    void aPodThatStoppedRunningIsNotAlive() throws Exception {
        Sandbox sandbox = createAs(provider(s -> s), new SandboxSpec("run_dead", "ses", EMPTY, Duration.ofMinutes(5)),
                KubernetesSandboxProviderTest::running);
        Pod pod = client.pods().inNamespace(NS).withName(sandbox.id()).get();
        client.pods().inNamespace(NS).resource(new PodBuilder(pod).editStatus().withPhase("Failed").endStatus().build())
                .updateStatus();
        assertFalse(sandbox.alive(), "activeDeadlineSeconds or an eviction ends the Pod: the run resumes elsewhere");
    }

    @Test
    void healthyWhenTheNamespaceCanBeListedAndNotWhenTheApiServerIsUnreachable() {
        assertTrue(provider(s -> s).healthy());
        try (KubernetesClient unreachable = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:9").withRequestTimeout(2000).withConnectionTimeout(2000)
                .withRequestRetryBackoffLimit(0).build()).build()) {
            assertFalse(new KubernetesSandboxProvider(unreachable, KubernetesSandboxSettings.defaults(NS)).healthy());
        }
    }

    @Test
    void systemRootsAreRefusedAndMountsAreLeftToThePlane() {
        KubernetesSandboxProvider provider = provider(s -> s);
        assertEquals(List.of(), provider.unsupported(new Manifest(null, Map.of("data",
                new ManifestEntry.BucketMount("s3_mount", "bkt", "p/", true)), null, null)),
                "bucket mounts are the sandbox plane's, filled through exec like any file");
        assertEquals("root: the kubernetes provider cannot mount the workspace over /tmp; use a path such as /workspace",
                provider.unsupported(new Manifest("/tmp/w", null, null, null)).getFirst().toString());
        assertEquals(List.of(), provider.unsupported(EMPTY));
    }

    @Test
    void runIdsThatAreNotLabelValuesAreReducedForTheLabelAndKeptExactInTheAnnotation() {
        assertEquals("run_0123", SandboxLabels.labelValue("run_0123"));
        assertEquals("weird-id-with-spaces", SandboxLabels.labelValue("weird id/with spaces!"));
        assertEquals(63, SandboxLabels.labelValue("r".repeat(100)).length());
    }
}
