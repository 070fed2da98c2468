package dev.agentharness.deploy.docker;

import dev.agentharness.deploy.testing.RepositoryFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each Dockerfile's shape (one stage on a base pinned by digest and overridable through BASE_IMAGE, numeric non-root
 * user, OCI labels, the SBOM, exec-form entrypoint on the copied jar) and — the part that breaks silently — that every
 * path it copies is produced by `package` of its module and let through by .dockerignore. ImagesBootTest builds and
 * boots the images with Podman.
 *
 * <p>The copy check needs the module packaged, which `make test` guarantees (deploy is the last module of the reactor)
 * — a missing package output is a failure under CI=true and a skip locally.
 */
class DockerfileTest {

    private static final Path ROOT = RepositoryFiles.root();
    private static final Pattern COPY = Pattern.compile("^COPY\\s+(.+)\\s+(\\S+)$");
    private static final Pattern PINNED_BASE =
            Pattern.compile("ARG BASE_IMAGE=eclipse-temurin:25-jre-noble@sha256:[0-9a-f]{64}");

    record Dockerfile(String name, List<String> instructions) {
        @Override
        public String toString() {
            return name;
        }

        List<String> stage(int index) {
            List<String> stage = new ArrayList<>();
            int current = -1;
            for (String i : instructions) {
                if (i.startsWith("FROM ")) current++;
                if (current == index) stage.add(i);
            }
            return stage;
        }

        /** The module whose package output the image copies (every COPY source is {@code <module>/target/...}). */
        String module() {
            List<String> modules = stage(0).stream().filter(i -> i.startsWith("COPY "))
                    .map(i -> i.substring("COPY ".length()).split(" ")[0]).map(source -> source.substring(0, source.indexOf('/')))
                    .distinct().toList();
            assertEquals(1, modules.size(), name + " copies from one module's package output: " + modules);
            return modules.get(0);
        }
    }

    static Stream<Dockerfile> dockerfiles() throws IOException {
        try (var files = Files.list(ROOT.resolve("deploy/docker"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".Dockerfile")).sorted()
                    .map(DockerfileTest::parse).toList().stream();
        }
    }

    /** Instructions with line continuations joined, comments and blank lines dropped. */
    static Dockerfile parse(Path file) {
        try {
            List<String> instructions = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            for (String raw : Files.readAllLines(file)) {
                String line = raw.strip();
                if (line.startsWith("#") || (line.isEmpty() && current.isEmpty())) continue;
                boolean continues = line.endsWith("\\");
                current.append(continues ? line.substring(0, line.length() - 1).strip() : line).append(continues ? " " : "");
                if (!continues) {
                    instructions.add(current.toString().replaceAll("\\s+", " "));
                    current.setLength(0);
                }
            }
            return new Dockerfile(file.getFileName().toString(), instructions);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dockerfiles")
    void everyPathTheImageCopiesIsProducedByPackageAndLetThroughByDockerignore(Dockerfile dockerfile) throws IOException {
        String module = dockerfile.module();
        List<String> reactor = reactorModules();
        assertTrue(reactor.contains(module), dockerfile + ": module '" + module + "' is not in the reactor " + reactor);
        Path quarkusApp = ROOT.resolve(module).resolve("target/quarkus-app");
        if (!Files.isDirectory(quarkusApp)) {
            String message = dockerfile + ": " + ROOT.relativize(quarkusApp) + " does not exist; run `./mvnw package` (make test"
                    + " packages every module before the deploy module's tests)";
            RepositoryFiles.requirementMissing(message);
        }
        List<String> ignore = Files.readAllLines(ROOT.resolve(".dockerignore")).stream().map(String::strip).toList();
        List<String> copies = dockerfile.stage(0).stream().filter(i -> i.startsWith("COPY ")).toList();
        List<String> copiedJars = new ArrayList<>();
        for (String copy : copies) {
            Matcher m = COPY.matcher(copy);
            assertTrue(m.matches(), copy);
            assertFalse(copy.startsWith("COPY --from"), copy + ": one stage, built from the Maven build's output");
            for (String source : m.group(1).split(" ")) {
                assertTrue(source.startsWith(module + "/target/quarkus-app/") || source.equals(module + "/target/bom.json"),
                        dockerfile + ": copies " + source + ", not package output of " + module);
                String letThrough = source.equals(module + "/target/bom.json") ? source : module + "/target/quarkus-app";
                assertTrue(ignore.contains("!" + letThrough), ".dockerignore excludes **/target: it needs !" + letThrough);
                List<Path> matches = glob(source);
                assertFalse(matches.isEmpty(), dockerfile + ": `package` does not produce " + source);
                if (source.endsWith("/")) {
                    matches.forEach(p -> assertTrue(Files.isDirectory(p), p + " should be a directory"));
                }
                matches.stream().map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).forEach(copiedJars::add);
            }
        }
        assertTrue(copiedJars.contains("quarkus-run.jar"), dockerfile + ": the entrypoint jar is not copied");
        assertTrue(copies.contains("COPY " + module + "/target/bom.json /app/sbom.cdx.json"), dockerfile + ": the SBOM");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dockerfiles")
    void oneStageOnAPinnedJre25BaseANumericNonRootUserOciLabelsAndAnExecEntrypoint(Dockerfile dockerfile) {
        List<String> froms = dockerfile.instructions().stream().filter(i -> i.startsWith("FROM ")).toList();
        assertEquals(List.of("FROM ${BASE_IMAGE}"), froms, dockerfile + ": one stage on BASE_IMAGE");
        assertTrue(PINNED_BASE.matcher(dockerfile.instructions().get(0)).matches(),
                dockerfile.instructions().get(0) + ": the default base is JRE 25, pinned by digest");
        List<String> runtime = dockerfile.stage(0);
        assertTrue(runtime.contains("ARG BASE_IMAGE"), "BASE_IMAGE is declared again for the base.name label");
        String user = runtime.stream().filter(i -> i.startsWith("USER ")).reduce((a, b) -> b).orElseThrow();
        assertEquals("USER 10001:10001", user, "numeric and not root (the chart runs pods as 10001:10001)");
        String labels = String.join(" ", runtime.stream().filter(i -> i.startsWith("LABEL ")).toList());
        for (String label : List.of("org.opencontainers.image.source=\"https://github.com/agent-harness/agent-harness\"",
                "org.opencontainers.image.revision=\"${REVISION}\"", "org.opencontainers.image.version=\"${VERSION}\"",
                "org.opencontainers.image.base.name=\"${BASE_IMAGE}\"")) {
            assertTrue(labels.contains(label), dockerfile + " lacks the label " + label);
        }
        assertFalse(runtime.stream().anyMatch(i -> i.contains("useradd") || i.contains("groupadd")),
                "useradd writes the build's date into /etc/shadow: the user is appended to /etc/passwd instead");
        String entrypoint = runtime.stream().filter(i -> i.startsWith("ENTRYPOINT ")).findFirst().orElseThrow();
        assertTrue(entrypoint.startsWith("ENTRYPOINT [\"java\"") && entrypoint.endsWith("\"-jar\", \"/app/quarkus-run.jar\"]"),
                entrypoint + ": exec form (signals reach the JVM)");
        assertEquals(List.of(), runtime.stream().filter(i -> i.startsWith("ADD ")).toList(), "no ADD");
    }

    @Test
    void theHarnessImageServesPort8000AndLeavesProxyTrustToHarnessTrustedProxies() {
        Dockerfile harness = parse(ROOT.resolve("deploy/docker/harness.Dockerfile"));
        List<String> runtime = harness.stage(0);
        assertTrue(runtime.contains("EXPOSE 8000"));
        String env = String.join(" ", runtime.stream().filter(i -> i.startsWith("ENV ")).toList());
        for (String setting : List.of("PORT=8000", "HARNESS_DATA_DIR=/data")) {
            assertTrue(env.contains(setting), setting);
        }
        assertFalse(env.contains("QUARKUS_HTTP_PROXY_"), "the image must not trust every peer's forwarded headers");
        assertEquals("harness-runtime", harness.module());
    }

    @Test
    void theOperatorImageExposesThePortTheOperatorListensOnAndTheChartProbes() throws IOException {
        Dockerfile operator = parse(ROOT.resolve("deploy/docker/operator.Dockerfile"));
        assertEquals("operator", operator.module());
        String properties = Files.readString(ROOT.resolve("operator/src/main/resources/application.properties"));
        Matcher port = Pattern.compile("(?m)^quarkus\\.http\\.port=\\$\\{OPERATOR_HTTP_PORT:([0-9]+)}$").matcher(properties);
        assertTrue(port.find(), "the operator's port comes from OPERATOR_HTTP_PORT");
        assertTrue(operator.stage(0).contains("EXPOSE " + port.group(1)), operator.stage(0).toString());
        String values = Files.readString(ROOT.resolve("helm/agent-harness/values.yaml"));
        assertTrue(values.contains("\n  httpPort: " + port.group(1) + "\n"), "the chart's operator.httpPort default");
    }

    /**
     * An image sets only what its program reads: a {@code ${NAME:} reference of the module's application.properties,
     * or the environment form of a property that file sets (a run-time override of the program's own default). What
     * the operator image once set — QUARKUS_MANAGEMENT_*, a build-time switch the operator was not built with — fails.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dockerfiles")
    void everyVariableAnImageSetsIsReadByItsProgram(Dockerfile dockerfile) throws IOException {
        String properties = Files.readString(ROOT.resolve(dockerfile.module()).resolve("src/main/resources/application.properties"));
        java.util.Set<String> read = new java.util.TreeSet<>();
        Matcher references = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*):").matcher(properties);
        while (references.find()) read.add(references.group(1));
        Matcher keys = Pattern.compile("(?m)^([a-z][a-z0-9.\"-]*)=").matcher(properties);
        while (keys.find()) read.add(keys.group(1).replaceAll("[^a-z0-9]", "_").toUpperCase(java.util.Locale.ROOT));
        // The java launcher reads these itself (the harness image sets JDK_JAVA_OPTIONS: C1 only, overridable).
        read.addAll(List.of("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS"));
        List<String> unread = new ArrayList<>();
        for (String instruction : dockerfile.stage(0)) {
            if (instruction.startsWith("ENV ")) {
                for (String assignment : instruction.substring(4).trim().split(" ")) {
                    String name = assignment.substring(0, assignment.indexOf('='));
                    if (!read.contains(name)) unread.add(name);
                }
            }
        }
        assertEquals(List.of(), unread, dockerfile + " sets variables its program does not read");
    }

    /** Trusting every peer's X-Forwarded-Host would let anyone rewrite signed links: only listed proxies are trusted. */
    @Test
    void forwardedHeadersAreTrustedOnlyFromConfiguredProxies() throws IOException {
        String properties = Files.readString(ROOT.resolve("harness-runtime/src/main/resources/application.properties"));
        assertTrue(properties.contains("quarkus.http.proxy.trusted-proxies=${HARNESS_TRUSTED_PROXIES:}"));
        assertFalse(properties.contains("quarkus.http.proxy.proxy-address-forwarding=true"),
                "forwarding is switched on by EdgeDefaults only when HARNESS_TRUSTED_PROXIES is set");
        for (Path dockerfile : glob("deploy/docker/*.Dockerfile")) {
            assertFalse(Files.readString(dockerfile).contains("QUARKUS_HTTP_PROXY_"),
                    dockerfile.getFileName() + " must not switch proxy trust on for every peer");
        }
    }

    @Test
    void theBuildContextExcludesBuildOutputEnvFilesAndTheDataDirButNotTheSources() throws IOException {
        List<String> patterns = Files.readAllLines(ROOT.resolve(".dockerignore")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#") && !l.startsWith("!")).toList();
        for (String required : List.of("**/target", ".env", "**/.env", ".env.*", "data", ".git")) {
            assertTrue(patterns.contains(required), ".dockerignore lacks " + required);
        }
    }

    private static List<Path> glob(String relative) throws IOException {
        if (!relative.contains("*")) {
            Path path = ROOT.resolve(relative);
            return Files.exists(path) ? List.of(path) : List.of();
        }
        Path dir = ROOT.resolve(relative.substring(0, relative.lastIndexOf('/')));
        var matcher = FileSystems.getDefault().getPathMatcher("glob:" + relative.substring(relative.lastIndexOf('/') + 1));
        try (var files = Files.list(dir)) {
            return files.filter(f -> matcher.matches(f.getFileName())).toList();
        }
    }

    private static List<String> reactorModules() throws IOException {
        Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        List<String> modules = new ArrayList<>();
        while (m.find()) modules.add(m.group(1).strip());
        return modules;
    }
}
