package dev.agentharness.deploy.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.deploy.testing.RepositoryFiles;
import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.demo.AgentRunReport;
import dev.agentharness.demo.EmbeddedApiServer;
import dev.agentharness.fakes.FakeModelServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both images, built the way a release builds them (deploy/docker/build-images.sh: Podman, no daemon, from the Maven
 * build's output) on the locally made base (deploy/docker/test-base.sh: Debian bookworm + a jlinked Temurin 25 — no
 * registry is reachable here; docs/images.md lists how it differs from the released base), then booted with Podman
 * (runc, cgroupfs, no default ulimits: a private CONTAINERS_CONF): the harness with a read-only root file system as
 * uid 10001 answers the bare-boot /health and runs Maya against the FAKE model; the operator serves its probes against
 * an embedded Kubernetes API server and the harness container, and reconciles examples/agentrun-maya.yaml to
 * Succeeded through it.
 *
 * <p>Needs root, podman, runc and mmdebstrap (.ci/run installs them), and the packaged modules (make test packages them
 * before the deploy module's tests). Missing tools or packages fail under CI=true and skip locally, saying so; a Podman
 * that is installed but cannot start a container skips everywhere, with Podman's own error.
 */
class ImagesBootTest {

    private static final Path ROOT = RepositoryFiles.root();
    private static final String REGISTRY = "localhost/agent-harness-test";
    private static final String VERSION = "0.0.0-test";
    private static final String BASE = "localhost/agent-harness/test-base:25-jre-bookworm";
    /** 2026-01-01T00:00:00Z: every timestamp in both images. */
    private static final long SOURCE_DATE_EPOCH = 1767225600L;
    private static final Duration BOOT = Duration.ofMinutes(4);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Path containersConf;
    private static String revision;
    private static final List<String> containers = new ArrayList<>();

    @BeforeAll
    static void buildImages() throws Exception {
        for (String tool : List.of("podman", "runc", "mmdebstrap")) {
            if (!onPath(tool)) RepositoryFiles.requirementMissing(tool + " is not installed (apt-get install -y podman runc mmdebstrap; .ci/run does)");
        }
        for (String module : List.of("harness-runtime", "operator")) {
            for (String output : List.of("target/quarkus-app/quarkus-run.jar", "target/bom.json")) {
                if (!Files.exists(ROOT.resolve(module).resolve(output))) {
                    RepositoryFiles.requirementMissing(module + "/" + output + " does not exist: run ./mvnw package -pl " + module
                            + " -am (make test packages every module before the deploy module's tests)");
                }
            }
        }
        Path work = Files.createDirectories(ROOT.resolve("deploy/target/images-boot"));
        containersConf = work.resolve("containers.conf");
        // runc, not crun (cgroups here are hybrid v1/v2, which crun refuses); cgroupfs (no systemd); no default
        // ulimits (Podman's default nofile limit is above what an unprivileged container may raise here).
        Files.writeString(containersConf, """
                [containers]
                default_ulimits = []
                [engine]
                cgroup_manager = "cgroupfs"
                runtime = "runc"
                """);
        Result base = run(Duration.ofMinutes(15), Map.of(), "deploy/docker/test-base.sh");
        assertEquals(0, base.status(), "deploy/docker/test-base.sh failed:\n" + base.output());
        Result canRun = run(Duration.ofMinutes(2), Map.of(), "podman", "run", "--rm", "--network", "none", BASE, "true");
        Assumptions.assumeTrue(canRun.status() == 0, () -> "Podman cannot start a container on this machine:\n"
                + canRun.output());
        revision = run(Duration.ofSeconds(30), Map.of(), "git", "rev-parse", "HEAD").output().strip();
        Result built = buildImages(revision, "");
        assertEquals(0, built.status(), "deploy/docker/build-images.sh failed:\n" + built.output());
    }

    /**
     * The containers, then the two test images and whatever earlier builds of them left untagged (each revision is a
     * new image ID): about 0.9 GB per run otherwise. The base stays, so the next run does not rebuild it.
     */
    @AfterAll
    static void removeContainersAndImages() {
        for (String container : containers) {
            run(Duration.ofMinutes(1), Map.of(), "podman", "rm", "--force", "--time", "5", container);
        }
        if (containersConf == null) {
            return; // nothing was built
        }
        run(Duration.ofMinutes(1), Map.of(), "podman", "rmi", "--force", "--ignore",
                REGISTRY + "/harness:" + VERSION, REGISTRY + "/operator:" + VERSION);
        run(Duration.ofMinutes(1), Map.of(), "podman", "image", "prune", "--force",
                "--filter", "label=org.opencontainers.image.source=https://github.com/agent-harness/agent-harness");
    }

    @Test
    void bothImagesRunAsUid10001CarryOciLabelsAFixedTimestampAndTheirSbom() throws Exception {
        for (String[] image : new String[][] {{"harness", "harness-runtime"}, {"operator", "operator"}}) {
            String reference = REGISTRY + "/" + image[0] + ":" + VERSION;
            JsonNode inspected = JSON.readTree(run(Duration.ofMinutes(1), Map.of(), "podman", "image", "inspect", reference)
                    .checked()).get(0);
            JsonNode config = inspected.path("Config");
            assertEquals("10001:10001", config.path("User").asText(), reference);
            JsonNode labels = config.path("Labels");
            assertEquals("https://github.com/agent-harness/agent-harness", labels.path("org.opencontainers.image.source").asText());
            assertEquals(revision, labels.path("org.opencontainers.image.revision").asText());
            assertEquals(VERSION, labels.path("org.opencontainers.image.version").asText());
            assertEquals(BASE, labels.path("org.opencontainers.image.base.name").asText());
            assertEquals(Instant.ofEpochSecond(SOURCE_DATE_EPOCH), Instant.parse(inspected.path("Created").asText()), reference);

            JsonNode sbom = JSON.readTree(run(Duration.ofMinutes(1), Map.of(), "podman", "run", "--rm", "--network", "none",
                    "--read-only", "--entrypoint", "cat", reference, "/app/sbom.cdx.json").checked());
            assertEquals("CycloneDX", sbom.path("bomFormat").asText(), reference);
            assertEquals(image[1], sbom.path("metadata").path("component").path("name").asText(), reference);
            assertEquals(pomVersion(), sbom.path("metadata").path("component").path("version").asText(),
                    "the SBOM names the Maven build's version");
            List<String> components = new ArrayList<>();
            sbom.path("components").forEach(c -> components.add(c.path("group").asText() + ":" + c.path("name").asText()));
            assertTrue(components.contains("io.quarkus:quarkus-core"), reference + ": " + components.size() + " components");
            assertFalse(components.stream().anyMatch(c -> c.startsWith("org.junit")), "no test-scope components");
        }
    }

    @Test
    void rebuildingFromTheSameBuildOutputGivesTheSameImages() {
        Map<String, String> before = imageIds();
        Result again = buildImages(revision, "--no-cache");
        assertEquals(0, again.status(), again.output());
        assertEquals(before, imageIds(), "SOURCE_DATE_EPOCH fixes every timestamp: the same inputs give the same image");
    }

    @Test
    void theHarnessBootsReadOnlyAsUid10001AndTheOperatorServesItsProbesAndRunsAnAgentRun() throws Exception {
        FakeModelServer model = new FakeModelServer().responder(FakeModelServer.demo()).start(0);
        List<CustomResourceDefinition> crds = crds();
        try (EmbeddedApiServer apiServer = EmbeddedApiServer.start(crds); KubernetesClient kubernetes = apiServer.client()) {
            for (CustomResourceDefinition crd : crds) kubernetes.resource(crd).create();
            int harnessPort = freePort();
            // Host networking: the FAKE model and the API server listen on the host's loopback. --read-only: the root
            // file system is read-only; /tmp is a tmpfs (Podman's default with --read-only, the chart's emptyDir) and
            // /data the data volume (embedded PostgreSQL).
            String harness = start("harness", List.of("--read-only", "--mount", "type=tmpfs,destination=/data,chown=true"),
                    Map.of("PORT", Integer.toString(harnessPort),
                            "OPENAI_API_KEY", "fake-image-test-key",
                            "OPENAI_BASE_URL", model.baseUrl()));
            URI harnessUrl = URI.create("http://127.0.0.1:" + harnessPort);
            HttpResponse<String> health = awaitOk(harness, harnessUrl.resolve("/health"));
            assertEquals(JSON.readTree("""
                    {"status":"ok","model":"gpt-5.4-mini","backends":{"postgres":false,"sandbox":false,"r2":false}}"""),
                    JSON.readTree(health.body()), "the bare-boot /health");
            assertEquals("10001", exec(harness, "id", "-u").strip());
            Result write = run(Duration.ofMinutes(1), Map.of(), "podman", "exec", harness, "touch", "/app/written");
            assertNotEquals(0, write.status(), "the root file system is read-only");
            assertTrue(write.output().contains("Read-only file system"), write.output());

            HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(harnessUrl.resolve("/runs"))
                    .header("Content-Type", "application/json").timeout(Duration.ofMinutes(2))
                    .POST(HttpRequest.BodyPublishers.ofString("""
                            {"agent":"maya","message":"Hi, this is Jonas from account ACME-1002. My card was declined on the monthly renewal - can you help?"}"""))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, created.statusCode(), created.body());
            JsonNode result = JSON.readTree(created.body());
            assertEquals("succeeded", result.path("status").asText(), created.body());
            assertFalse(result.path("reply").asText().isBlank(), created.body());
            assertFalse(model.requests().isEmpty(), "the run called the FAKE model");

            int operatorPort = freePort();
            Map<String, String> operatorEnv = new LinkedHashMap<>();
            operatorEnv.put("KUBERNETES_MASTER", apiServer.url().toString());
            operatorEnv.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
            operatorEnv.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
            operatorEnv.put("KUBERNETES_NAMESPACE", "default");
            operatorEnv.put("HARNESS_URL", harnessUrl.toString());
            operatorEnv.put("LEADER_ELECTION_ENABLED", "false");
            operatorEnv.put("OPERATOR_HTTP_PORT", Integer.toString(operatorPort));
            String operator = start("operator", List.of("--read-only"), operatorEnv);
            URI operatorUrl = URI.create("http://127.0.0.1:" + operatorPort);
            assertEquals(200, awaitOk(operator, operatorUrl.resolve("/q/health/live")).statusCode());
            assertEquals(200, awaitOk(operator, operatorUrl.resolve("/q/health/ready")).statusCode());
            assertEquals("10001", exec(operator, "id", "-u").strip());

            // And it does its job: examples/agentrun-maya.yaml, reconciled through the harness container, succeeds.
            try (InputStream in = Files.newInputStream(ROOT.resolve("examples/agentrun-maya.yaml"))) {
                for (HasMetadata resource : kubernetes.load(in).items()) kubernetes.resource(resource).inNamespace("default").create();
            }
            AgentRun run = awaitFinished(kubernetes, operator, "maya-card-declined");
            assertEquals("True", AgentRunReport.succeeded(run).orElseThrow().getStatus(),
                    () -> "the AgentRun's Succeeded condition: " + AgentRunReport.succeeded(run));
        } finally {
            model.close();
        }
    }

    private static Result buildImages(String revision, String podmanBuildOptions) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PODMAN_BUILD_OPTIONS", podmanBuildOptions);
        env.put("BASE_IMAGE", BASE);
        env.put("IMAGE_REGISTRY", REGISTRY);
        env.put("VERSION", VERSION);
        env.put("REVISION", revision);
        env.put("SOURCE_DATE_EPOCH", Long.toString(SOURCE_DATE_EPOCH));
        return run(Duration.ofMinutes(15), env, "deploy/docker/build-images.sh");
    }

    private static Map<String, String> imageIds() {
        Map<String, String> ids = new LinkedHashMap<>();
        for (String name : List.of("harness", "operator")) {
            ids.put(name, run(Duration.ofMinutes(1), Map.of(), "podman", "image", "inspect", "--format", "{{.Id}}",
                    REGISTRY + "/" + name + ":" + VERSION).checked().strip());
        }
        return ids;
    }

    private static String start(String name, List<String> options, Map<String, String> env) {
        List<String> command = new ArrayList<>(List.of("podman", "run", "--detach", "--network", "host"));
        command.addAll(options);
        env.forEach((k, v) -> command.addAll(List.of("--env", k + "=" + v)));
        command.add(REGISTRY + "/" + name + ":" + VERSION);
        String id = run(Duration.ofMinutes(2), Map.of(), command.toArray(String[]::new)).checked().strip();
        containers.add(id);
        return id;
    }

    private static String exec(String container, String... command) {
        List<String> full = new ArrayList<>(List.of("podman", "exec", container));
        full.addAll(List.of(command));
        return run(Duration.ofMinutes(1), Map.of(), full.toArray(String[]::new)).checked();
    }

    /** Polls until 200; fails with the container's log when it stopped or did not answer within {@link #BOOT}. */
    private static HttpResponse<String> awaitOk(String container, URI url) throws InterruptedException {
        Instant deadline = Instant.now().plus(BOOT);
        String last = "no answer";
        while (Instant.now().isBefore(deadline)) {
            try {
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) return response;
                last = response.statusCode() + " " + response.body();
            } catch (ConnectException e) {
                last = "connection refused";
            } catch (IOException e) {
                last = e.toString();
            }
            String running = run(Duration.ofMinutes(1), Map.of(), "podman", "inspect", "--format", "{{.State.Running}}", container)
                    .output().strip();
            if (!running.equals("true")) break;
            Thread.sleep(500);
        }
        throw new AssertionError(url + ": " + last + "\ncontainer log:\n"
                + run(Duration.ofMinutes(1), Map.of(), "podman", "logs", container).output());
    }

    private static AgentRun awaitFinished(KubernetesClient kubernetes, String operator, String name) throws InterruptedException {
        Instant deadline = Instant.now().plus(BOOT);
        AgentRun run = null;
        while (Instant.now().isBefore(deadline)) {
            run = kubernetes.resources(AgentRun.class).inNamespace("default").withName(name).get();
            if (run != null && AgentRunReport.finished(run)) return run;
            Thread.sleep(500);
        }
        throw new AssertionError("agentrun/" + name + " did not finish: " + (run == null ? null : run.getStatus())
                + "\noperator log:\n" + run(Duration.ofMinutes(1), Map.of(), "podman", "logs", operator).output());
    }

    private static List<CustomResourceDefinition> crds() throws IOException {
        List<CustomResourceDefinition> crds = new ArrayList<>();
        try (var files = Files.list(ROOT.resolve("crds/generated"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yml") || f.toString().endsWith(".yaml")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    crds.add(Serialization.unmarshal(in, CustomResourceDefinition.class));
                }
            }
        }
        return crds;
    }

    private static String pomVersion() throws IOException {
        var version = java.util.regex.Pattern.compile("(?m)^  <version>([^<]+)</version>$")
                .matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertTrue(version.find(), "the parent pom's version");
        return version.group(1);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool));
    }

    record Result(int status, String output) {
        String checked() {
            if (status != 0) throw new AssertionError("exit " + status + ":\n" + output);
            return output;
        }
    }

    /** Runs a command from the repository root with the private CONTAINERS_CONF; stdout and stderr together. */
    private static Result run(Duration timeout, Map<String, String> env, String... command) {
        try {
            Path log = Files.createTempFile("images-boot", ".log");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
                        .redirectOutput(log.toFile());
                builder.environment().put("CONTAINERS_CONF", containersConf.toString());
                builder.environment().putAll(env);
                Process process = builder.start();
                if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                    return new Result(-1, String.join(" ", command) + ": no exit within " + timeout + "\n" + Files.readString(log));
                }
                return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
