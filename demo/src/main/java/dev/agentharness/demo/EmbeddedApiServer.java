package dev.agentharness.demo;

import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscoveryBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

/**
 * A Kubernetes API server on loopback for laptops and tests: fabric8's mock server in CRUD mode
 * (create, get, list, watch, patch, delete and the status subresource of any resource, kept in
 * memory), plus the discovery documents real clients read first ({@code /api}, {@code /apis},
 * {@code /api/v1}, {@code /apis/<group>/<version>}) — kubectl refuses to work without them. The
 * discovery of our custom resources is built from the CRDs themselves (names, short names,
 * categories, scope), so {@code kubectl get ar} works the way it does on a cluster.
 *
 * <p>Lookups by name go through an index ({@link IndexedCrudDispatcher}): fabric8's store alone scans every
 * resource per write, which made thousands of AgentRuns slow.
 *
 * <p>What it is not: no admission (OpenAPI schemas and CEL rules are not evaluated), no
 * server-side printer columns, no garbage collection, no kubelet. The demo and the tests say
 * so where it matters.
 */
public final class EmbeddedApiServer implements AutoCloseable {

    private static final List<String> QUERY_VARIANTS = List.of("", "?timeout=32s");

    private final KubernetesMockServer server;

    private EmbeddedApiServer(KubernetesMockServer server) {
        this.server = server;
    }

    /** Starts on a free loopback port, knowing {@code crds} for discovery and for CRUD (scope, status subresource). */
    public static EmbeddedApiServer start(List<CustomResourceDefinition> crds) {
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        List<CustomResourceDefinitionContext> contexts = crds.stream().map(CustomResourceDefinitionContext::fromCrd).toList();
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations,
                new DiscoveryThenCrudDispatcher(expectations, new IndexedCrudDispatcher(contexts)), false);
        EmbeddedApiServer api = new EmbeddedApiServer(server);
        api.discovery(crds);
        try {
            server.init(InetAddress.getByName("127.0.0.1"), 0);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("loopback is always resolvable", e);
        }
        return api;
    }

    public URI url() {
        return URI.create(server.url("/").replaceAll("/$", ""));
    }

    /** A client of this server (the caller closes it). */
    public KubernetesClient client() {
        return server.createClient();
    }

    /**
     * Writes a kubeconfig for this server (written by hand: Debian's kubectl 1.20 crashes on
     * {@code kubectl config set-credentials}).
     */
    public Path writeKubeconfig(Path file) {
        String yaml = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: agent-harness-demo
                  cluster:
                    server: %s
                users:
                - name: demo
                  user:
                    token: demo
                contexts:
                - name: agent-harness-demo
                  context:
                    cluster: agent-harness-demo
                    user: demo
                    namespace: default
                current-context: agent-harness-demo
                """.formatted(url());
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }

    private void discovery(List<CustomResourceDefinition> crds) {
        serve("/api", new APIVersionsBuilder().withVersions("v1").build());
        serve("/api/v1", new APIResourceListBuilder().withGroupVersion("v1").withResources(
                resource("namespaces", "Namespace", false, List.of("ns")),
                resource("events", "Event", true, List.of("ev")),
                resource("pods", "Pod", true, List.of("po")),
                resource("configmaps", "ConfigMap", true, List.of("cm"))).build());
        Map<String, List<APIResource>> byGroupVersion = new LinkedHashMap<>();
        byGroupVersion.put("apiextensions.k8s.io/v1", new ArrayList<>(List.of(
                resource("customresourcedefinitions", "CustomResourceDefinition", false, List.of("crd", "crds")))));
        byGroupVersion.put("coordination.k8s.io/v1", new ArrayList<>(List.of(resource("leases", "Lease", true, List.of()))));
        for (CustomResourceDefinition crd : crds) {
            for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
                var names = crd.getSpec().getNames();
                APIResource custom = new APIResourceBuilder(resource(names.getPlural(), names.getKind(),
                        "Namespaced".equals(crd.getSpec().getScope()),
                        names.getShortNames() == null ? List.of() : names.getShortNames()))
                        .withSingularName(names.getSingular())
                        .withCategories(names.getCategories())
                        .build();
                List<APIResource> resources = byGroupVersion.computeIfAbsent(crd.getSpec().getGroup() + "/" + version.getName(),
                        gv -> new ArrayList<>());
                resources.add(custom);
                if (version.getSubresources() != null && version.getSubresources().getStatus() != null) {
                    resources.add(new APIResourceBuilder().withName(names.getPlural() + "/status").withKind(names.getKind())
                            .withNamespaced("Namespaced".equals(crd.getSpec().getScope()))
                            .withVerbs("get", "patch", "update").build());
                }
            }
        }
        var groups = new APIGroupListBuilder();
        byGroupVersion.forEach((groupVersion, resources) -> {
            String group = groupVersion.substring(0, groupVersion.indexOf('/'));
            String version = groupVersion.substring(groupVersion.indexOf('/') + 1);
            var discovered = new GroupVersionForDiscoveryBuilder().withGroupVersion(groupVersion).withVersion(version).build();
            groups.addToGroups(new APIGroupBuilder().withName(group).withVersions(discovered)
                    .withPreferredVersion(discovered).build());
            serve("/apis/" + groupVersion, new APIResourceListBuilder().withGroupVersion(groupVersion)
                    .withResources(resources).build());
        });
        serve("/apis", groups.build());
    }

    private static APIResource resource(String plural, String kind, boolean namespaced, List<String> shortNames) {
        return new APIResourceBuilder().withName(plural).withKind(kind).withNamespaced(namespaced)
                .withShortNames(shortNames)
                .withVerbs("create", "delete", "get", "list", "patch", "update", "watch").build();
    }

    private void serve(String path, Object document) {
        for (String query : QUERY_VARIANTS) {
            server.expect().get().withPath(path + query).andReturn(200, document).always();
        }
    }

    /**
     * The requests served since the last call, oldest first, as {@code "METHOD path"} (the server keeps
     * every request until taken: a long-running caller drains them now and then).
     */
    public List<String> takeRequests() {
        List<String> requests = new ArrayList<>();
        try {
            for (RecordedRequest request; (request = server.takeRequest(0, TimeUnit.MILLISECONDS)) != null; ) {
                requests.add(request.getMethod() + " " + request.getPath());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return requests;
    }

    @Override
    public void close() {
        server.destroy();
    }
}
