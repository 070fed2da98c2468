package dev.agentharness.deploy.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentharness.crds.v1alpha1.AgentRunSpec;
import dev.agentharness.deploy.testing.RepositoryFiles;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chart's CRD templates are rendered from the CRD YAML under crds/ (committed in crds/generated/): the real CRDs go
 * through the real Helm engine unchanged; the mechanism's edge cases (template delimiters in descriptions, blank lines,
 * duplicates) are proven on a fixture (src/test/resources/crd-fixture).
 */
class ChartCrdTemplatesTest {

    private static final Path FIXTURE_ROOT = RepositoryFiles.resolve("deploy/src/test/resources/crd-fixture");
    private static final String FIXTURE_CRD = "widgets.fixture.agentharness.dev";
    private static HelmChart chartWithFixture;

    @BeforeAll
    static void chartWithTheFixtureCrd(@TempDir Path temp) throws IOException {
        Path chart = temp.resolve("agent-harness");
        try (var files = Files.walk(RepositoryFiles.resolve("helm/agent-harness"))) {
            Path source = RepositoryFiles.resolve("helm/agent-harness");
            for (Path f : files.toList()) {
                Path target = chart.resolve(source.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(target); else Files.copy(f, target);
            }
        }
        ChartCrdTemplates.write(FIXTURE_ROOT, FIXTURE_ROOT.resolve("crds"), chart.resolve("templates/crds"));
        chartWithFixture = new HelmChart(chart);
    }

    @Test
    void theCommittedChartTemplatesAreExactlyWhatTheCrdsUnderCrdsProduce() {
        Path root = RepositoryFiles.root();
        List<String> differences = ChartCrdTemplates.differences(root, root.resolve("crds"),
                root.resolve("helm/agent-harness/templates/crds"));
        assertEquals(List.of(), differences, "helm/agent-harness/templates/crds is stale: run `make generate`");
    }

    /**
     * The real CRDs through the real Helm engine: what {@code helm template} installs is crds/generated, spec for spec
     * (CEL rule, printer columns, schema), plus only the chart's labels and annotations.
     */
    @Test
    void helmInstallsExactlyTheCrdsOfCrdsGenerated() throws IOException {
        HelmChart.Rendered rendered = ChartRenderingTest.CHART.template("");
        List<ObjectNode> installed = rendered.ofKind("CustomResourceDefinition");
        List<Path> sources;
        try (var files = Files.list(RepositoryFiles.resolve("crds/generated"))) {
            sources = files.filter(f -> f.toString().endsWith(".yml") || f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertEquals(3, sources.size(), sources.toString());
        assertEquals(sources.size(), installed.size(), rendered.kinds().toString());
        for (Path source : sources) {
            JsonNode crd = new YAMLMapper().readTree(source.toFile());
            String name = crd.path("metadata").path("name").asText();
            ObjectNode out = rendered.one("CustomResourceDefinition", name);
            assertEquals(crd.path("spec"), out.path("spec"), name + ": spec differs from " + source.getFileName());
            assertEquals(crd.path("apiVersion"), out.path("apiVersion"));
            crd.path("metadata").path("labels").properties().forEach(e ->
                    assertEquals(e.getValue(), out.path("metadata").path("labels").path(e.getKey()), name + " label " + e.getKey()));
            crd.path("metadata").path("annotations").properties().forEach(e ->
                    assertEquals(e.getValue(), out.path("metadata").path("annotations").path(e.getKey()), name + " annotation " + e.getKey()));
            assertEquals("keep", out.path("metadata").path("annotations").path("helm.sh/resource-policy").asText());
            TypedKubernetesObjects.parse(out);
        }
        JsonNode version = rendered.one("CustomResourceDefinition", "agentruns.agentharness.dev").path("spec").path("versions").get(0);
        JsonNode validation = version.path("schema").path("openAPIV3Schema").path("properties").path("spec")
                .path("x-kubernetes-validations").get(0);
        assertEquals(AgentRunSpec.IMMUTABLE_RULE, validation.path("rule").asText(), "the CEL rule survives templating verbatim");
        assertEquals(AgentRunSpec.IMMUTABLE_MESSAGE, validation.path("message").asText());
        List<String> columns = new java.util.ArrayList<>();
        version.path("additionalPrinterColumns").forEach(c -> columns.add(c.path("name").asText() + "=" + c.path("jsonPath").asText()));
        assertTrue(columns.containsAll(List.of("Succeeded=.status.conditions[?(@.type==\"Succeeded\")].status",
                "Reason=.status.conditions[?(@.type==\"Succeeded\")].reason", "Age=.metadata.creationTimestamp")), columns.toString());
        assertTrue(version.path("subresources").has("status"));
    }

    @Test
    void crdsAreFoundByContentAnywhereUnderCrdsButNeverInBuildOutput() {
        var sources = ChartCrdTemplates.find(FIXTURE_ROOT, FIXTURE_ROOT.resolve("crds"));
        assertEquals(List.of(FIXTURE_CRD), sources.stream().map(ChartCrdTemplates.CrdSource::name).toList());
        assertEquals("crds/src/main/resources/META-INF/fabric8/widgets.fixture.agentharness.dev-v1.yml", sources.get(0).origin());
    }

    @Test
    void theRenderedCrdIsTheSourceCrdVerbatimPlusChartLabelsAndTheKeepPolicy() throws IOException {
        ObjectNode rendered = chartWithFixture.template("").one("CustomResourceDefinition", FIXTURE_CRD);
        JsonNode source = new YAMLMapper().readTree(FIXTURE_ROOT.resolve(
                "crds/src/main/resources/META-INF/fabric8/widgets.fixture.agentharness.dev-v1.yml").toFile());
        assertEquals(source.path("spec"), rendered.path("spec"), "spec byte-for-byte in meaning, template delimiters included");
        assertTrue(rendered.path("spec").toString().contains("Use {{ .Values.never }} literally"));
        assertTrue(rendered.path("spec").toString().contains("template.\\n\\nA second paragraph"), "blank line kept");
        assertEquals("1", rendered.path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema")
                .path("properties").path("spec").path("properties").path("version").path("default").textValue());
        JsonNode annotations = rendered.path("metadata").path("annotations");
        assertEquals("keep", annotations.path("helm.sh/resource-policy").asText());
        assertEquals("Prune=false", annotations.path("argocd.argoproj.io/sync-options").asText());
        assertEquals("7.5.2", annotations.path("io.fabric8.crd-generator/version").asText(), "source annotations kept");
        assertEquals("agent-harness", rendered.path("metadata").path("labels").path("app.kubernetes.io/part-of").asText());
        assertTrue(rendered.path("metadata").path("namespace").isMissingNode(), "cluster-scoped");
        var typed = (CustomResourceDefinition) TypedKubernetesObjects.parse(rendered);
        assertEquals("Widget", typed.getSpec().getNames().getKind());
    }

    @Test
    void crdsInstallFalseLeavesThemOutAndKeepFalseDropsThePolicy() {
        assertTrue(chartWithFixture.template("crds: {install: false}\n").ofKind("CustomResourceDefinition").isEmpty());
        ObjectNode notKept = chartWithFixture.template("crds: {keep: false}\n").one("CustomResourceDefinition", FIXTURE_CRD);
        assertTrue(notKept.path("metadata").path("annotations").path("helm.sh/resource-policy").isMissingNode());
    }

    @Test
    void theChartWithGeneratedCrdsStillLintsClean() {
        var lint = chartWithFixture.lint();
        assertFalse(lint.isFailed(), String.join("\n", lint.getMessages()));
    }

    @Test
    void aStaleOrForeignTemplateIsReportedAndRemovedOnRegeneration(@TempDir Path templates) throws IOException {
        Files.writeString(templates.resolve("gone.agentharness.dev.yaml"), "{{- if .Values.crds.install }}\n{{- end }}\n");
        Path crds = FIXTURE_ROOT.resolve("crds");
        assertEquals(List.of("gone.agentharness.dev.yaml: no CRD under crds/ defines it any more", FIXTURE_CRD + ".yaml: missing"),
                ChartCrdTemplates.differences(FIXTURE_ROOT, crds, templates));
        ChartCrdTemplates.write(FIXTURE_ROOT, crds, templates);
        assertEquals(List.of(), ChartCrdTemplates.differences(FIXTURE_ROOT, crds, templates));
        Files.writeString(templates.resolve(FIXTURE_CRD + ".yaml"), "edited by hand\n");
        assertEquals(List.of(FIXTURE_CRD + ".yaml: differs from its source CRD"), ChartCrdTemplates.differences(FIXTURE_ROOT, crds, templates));
    }

    @Test
    void twoFilesDefiningOneCrdAreAnError(@TempDir Path root) throws IOException {
        Path source = FIXTURE_ROOT.resolve("crds/src/main/resources/META-INF/fabric8/widgets.fixture.agentharness.dev-v1.yml");
        Files.createDirectories(root.resolve("crds/a"));
        Files.createDirectories(root.resolve("crds/b"));
        Files.copy(source, root.resolve("crds/a/w.yaml"));
        Files.copy(source, root.resolve("crds/b/w.yml"));
        var error = assertThrows(IllegalArgumentException.class, () -> ChartCrdTemplates.find(root, root.resolve("crds")));
        assertEquals("CRD widgets.fixture.agentharness.dev is defined twice: in crds/a/w.yaml and in crds/b/w.yml; keep one",
                error.getMessage());
    }
}
