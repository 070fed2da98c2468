package dev.agentharness.demo;

import dev.agentharness.fakes.FakeModelServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Everything the product needs to run an AgentRun on one machine, with no cluster, no key and no
 * cloud: an embedded Kubernetes API server (with the CRDs of {@code crds/generated/} applied), the
 * packaged harness (embedded PostgreSQL, local artifact store, the local bubblewrap sandbox when
 * {@code bwrap} is installed, the example agents), the packaged operator pointed at both, and the
 * FAKE model server unless a real model is configured. {@code make demo} and the end-to-end tests
 * use exactly this.
 */
public final class DemoEnvironment implements AutoCloseable {

    /**
     * @param root       the repository root (the packaged modules, {@code crds/generated}, {@code examples/})
     * @param work       where logs, the kubeconfig and the harness's data go; emptied first
     * @param openAiKey  a real model key; empty = the FAKE model server
     * @param model      MODEL for the harness when a real key is used
     * @param sandbox    whether to give the harness the local sandbox provider
     * @param harnessEnv more environment for the harness (e.g. {@code HARNESS_TENANTS_FILE}); applied last
     */
    public record Settings(Path root, Path work, Optional<String> openAiKey, Optional<String> openAiBaseUrl,
                           Optional<String> model, boolean sandbox, Map<String, String> harnessEnv) {

        public Settings {
            harnessEnv = Map.copyOf(harnessEnv);
        }

        public Settings(Path root, Path work, Optional<String> openAiKey, Optional<String> openAiBaseUrl,
                        Optional<String> model, boolean sandbox) {
            this(root, work, openAiKey, openAiBaseUrl, model, sandbox, Map.of());
        }

        /** The defaults of {@code make demo}: real model only when OPENAI_API_KEY is set, sandbox when bwrap exists. */
        public static Settings fromEnvironment(Path root) {
            return new Settings(root, root.resolve("data/demo"),
                    Optional.ofNullable(System.getenv("OPENAI_API_KEY")).filter(k -> !k.isBlank()),
                    Optional.ofNullable(System.getenv("OPENAI_BASE_URL")).filter(u -> !u.isBlank()),
                    Optional.ofNullable(System.getenv("MODEL")).filter(m -> !m.isBlank()),
                    bubblewrapInstalled());
        }
    }

    public static final String NAMESPACE = "default";
    private static final Duration STARTUP = Duration.ofSeconds(120);

    private final Settings settings;
    private final List<AutoCloseable> started = new ArrayList<>();
    private FakeModelServer fakeModel;
    private EmbeddedApiServer apiServer;
    private KubernetesClient client;
    private ServiceProcess harness;
    private ServiceProcess operator;
    private URI harnessUrl;
    private String harnessToken;
    private Path kubeconfig;
    private Path tokenFile;

    private DemoEnvironment(Settings settings) {
        this.settings = settings;
    }

    /** Starts every part, in dependency order; what started is stopped again when a later part fails. */
    public static DemoEnvironment start(Settings settings) {
        DemoEnvironment environment = new DemoEnvironment(settings);
        try {
            environment.startAll();
            return environment;
        } catch (RuntimeException e) {
            environment.close();
            throw e;
        }
    }

    private void startAll() {
        Path work = settings.work().toAbsolutePath();
        deleteTree(work);
        Path logs = work.resolve("logs");
        harnessToken = HexFormat.of().formatHex(randomBytes(24));

        Map<String, String> model = new LinkedHashMap<>();
        if (settings.openAiKey().isPresent()) {
            model.put("OPENAI_API_KEY", settings.openAiKey().get());
            settings.openAiBaseUrl().ifPresent(url -> model.put("OPENAI_BASE_URL", url));
            settings.model().ifPresent(m -> model.put("MODEL", m));
        } else {
            fakeModel = new FakeModelServer().responder(FakeModelServer.demo()).start(0);
            started.add(fakeModel);
            model.put("OPENAI_API_KEY", "fake-demo-key");
            model.put("OPENAI_BASE_URL", fakeModel.baseUrl());
        }

        List<CustomResourceDefinition> crds = crds(settings.root().resolve("crds/generated"));
        apiServer = EmbeddedApiServer.start(crds);
        started.add(apiServer);
        client = apiServer.client();
        started.add(client);
        for (CustomResourceDefinition crd : crds) {
            client.resource(crd).create();
        }
        kubeconfig = apiServer.writeKubeconfig(work.resolve("kubeconfig"));
        tokenFile = writeSecret(work.resolve("harness-token"), harnessToken);

        int harnessPort = ServiceProcess.freePort();
        harnessUrl = URI.create("http://127.0.0.1:" + harnessPort);
        Map<String, String> harnessEnv = new LinkedHashMap<>(model);
        harnessEnv.put("PORT", Integer.toString(harnessPort));
        harnessEnv.put("HARNESS_DATA_DIR", work.resolve("harness").toString());
        harnessEnv.put("HARNESS_API_KEYS", "operator:" + harnessToken);
        // The operator acts for each AgentRun's namespace (Agent-Harness-Namespace): tenant ns:<namespace>.
        harnessEnv.put("HARNESS_NAMESPACE_DELEGATES", "operator");
        harnessEnv.put("HARNESS_AGENTS_DIR", settings.root().resolve("examples/agents").toAbsolutePath().toString());
        if (settings.sandbox()) {
            harnessEnv.put("SANDBOX_PROVIDER", "local");
        }
        harnessEnv.putAll(settings.harnessEnv());
        harness = ServiceProcess.start("harness", settings.root().resolve("harness-runtime/target/quarkus-app/quarkus-run.jar"),
                harnessEnv, logs.resolve("harness.log"), harnessUrl.resolve("/q/health/ready"), STARTUP);
        started.add(harness);

        startOperator();
    }

    /** Starts the packaged operator against the API server and the harness (again, after {@link #stopOperator}). */
    public void startOperator() {
        if (operator != null && operator.alive()) {
            throw new IllegalStateException("the operator is already running");
        }
        int operatorPort = ServiceProcess.freePort();
        Map<String, String> operatorEnv = new LinkedHashMap<>();
        operatorEnv.put("KUBERNETES_MASTER", apiServer.url().toString());
        // Only this API server: never a kubeconfig or service account found on the machine.
        operatorEnv.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
        operatorEnv.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
        operatorEnv.put("KUBERNETES_NAMESPACE", NAMESPACE);
        operatorEnv.put("HARNESS_URL", harnessUrl.toString());
        operatorEnv.put("HARNESS_API_TOKEN", harnessToken);
        operatorEnv.put("HARNESS_POLL_INTERVAL", "1S");
        // One replica and an API server without SelfSubjectRulesReview: nothing to elect.
        operatorEnv.put("LEADER_ELECTION_ENABLED", "false");
        operatorEnv.put("OPERATOR_HTTP_PORT", Integer.toString(operatorPort));
        operator = ServiceProcess.start("operator", settings.root().resolve("operator/target/quarkus-app/quarkus-run.jar"),
                operatorEnv, settings.work().toAbsolutePath().resolve("logs/operator.log"),
                URI.create("http://127.0.0.1:" + operatorPort + "/q/health/ready"), STARTUP);
        started.add(operator);
    }

    /** Stops the operator (as a deployment scaled to zero would); everything else keeps running. */
    public void stopOperator() {
        if (operator != null) {
            operator.close();
            started.remove(operator);
        }
    }

    /** The CRDs the build generated (the same files the Helm chart renders). */
    static List<CustomResourceDefinition> crds(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            List<CustomResourceDefinition> crds = new ArrayList<>();
            for (Path file : files.filter(f -> f.toString().endsWith(".yml") || f.toString().endsWith(".yaml")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    crds.add(Serialization.unmarshal(in, CustomResourceDefinition.class));
                }
            }
            if (crds.isEmpty()) {
                throw new IllegalStateException("no CRDs in " + directory);
            }
            return crds;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the CRDs in " + directory, e);
        }
    }

    /**
     * The resources of {@code examples/*.yaml} that {@code kubectl apply -f examples/} would create for an AgentRun to
     * run — ConfigMaps (an Agent's golden set), SandboxManifests, Agents, then AgentRuns, in that order, so everything
     * an AgentRun names exists before it (other kinds, such as Argo CD's, and subdirectories are left out). Without a
     * sandbox, AgentRuns that reference one are left out.
     */
    public List<HasMetadata> examples() {
        Path examples = settings.root().resolve("examples");
        List<String> order = List.of("ConfigMap", "SandboxManifest", "Agent", "AgentRun");
        List<HasMetadata> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(examples)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    client.load(in).items().stream().filter(resource -> order.contains(resource.getKind()))
                            .forEach(all::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + examples, e);
        }
        if (!settings.sandbox()) {
            all.removeIf(resource -> resource.getKind().equals("AgentRun")
                    && Serialization.asJson(resource).contains("\"sandboxManifestRef\""));
        }
        all.sort(Comparator.comparingInt(resource -> order.indexOf(resource.getKind())));
        return all;
    }

    /** Creates {@code resources} in the demo namespace, as {@code kubectl create -f} would. */
    public void apply(List<HasMetadata> resources) {
        for (HasMetadata resource : resources) {
            client.resource(resource).inNamespace(NAMESPACE).create();
        }
    }

    public KubernetesClient client() {
        return client;
    }

    public EmbeddedApiServer apiServer() {
        return apiServer;
    }

    public URI apiServerUrl() {
        return apiServer.url();
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    /** Where the harness key of this demo is (mode 0600), for a person who wants to call the harness. */
    public Path tokenFile() {
        return tokenFile;
    }

    public URI harnessUrl() {
        return harnessUrl;
    }

    /** The key the operator uses; for tests that call the harness API themselves. */
    public String harnessToken() {
        return harnessToken;
    }

    /** The FAKE model server, when no real model is configured. */
    public Optional<FakeModelServer> fakeModel() {
        return Optional.ofNullable(fakeModel);
    }

    public ServiceProcess harness() {
        return harness;
    }

    public ServiceProcess operator() {
        return operator;
    }

    public Settings settings() {
        return settings;
    }

    /** Stops what was started, the last first. */
    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                System.err.println("could not stop a demo part: " + e.getMessage());
            }
        }
        started.clear();
    }

    static boolean bubblewrapInstalled() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (Files.isExecutable(Path.of(dir.isEmpty() ? "." : dir, "bwrap"))) {
                return true;
            }
        }
        return false;
    }

    private static Path writeSecret(Path file, String value) {
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, value);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static void deleteTree(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not empty " + path, e);
        }
    }
}
