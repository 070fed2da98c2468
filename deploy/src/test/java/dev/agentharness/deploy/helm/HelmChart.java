package dev.agentharness.deploy.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The chart driven by the real Helm engine (helm-java: Helm 3.21 in-process). Values are given as YAML text and
 * written to a values file, exactly as `helm template -f my-values.yaml` would read them.
 *
 * <p>helm-java's template returns the release manifest only, without hook resources (the CLI prints both). So that
 * every check also covers hooks (the migration Job), templates render from a copy of the chart in which the
 * {@code helm.sh/hook*} annotation keys are renamed; the rendered objects get the original keys back. Lint runs on
 * the chart itself.
 */
public final class HelmChart {

    public static final String RELEASE = "ah";
    public static final String NAMESPACE = "agents";
    /** A current AKS version (Helm's offline default, 1.20, is below the chart's kubeVersion). */
    public static final String KUBE_VERSION = "1.33.0";
    private static final ObjectMapper YAML = new YAMLMapper();

    private static final String HOOK_KEY = "helm.sh/hook";
    private static final String RENAMED_HOOK_KEY = "test.agentharness.dev/helm-hook";

    private final Path chartDir;
    private Path chartWithVisibleHooks;

    public HelmChart(Path chartDir) {
        this.chartDir = chartDir;
    }

    public Path dir() {
        return chartDir;
    }

    private synchronized Path chartWithVisibleHooks() throws IOException {
        if (chartWithVisibleHooks == null) {
            Path copy = copyOfChart("agent-harness-chart-", (source, target) -> {
                String text = Files.readString(source);
                Files.writeString(target, source.toString().contains("/templates/")
                        ? text.replace(HOOK_KEY, RENAMED_HOOK_KEY) : text);
            });
            copy.toFile().deleteOnExit();
            chartWithVisibleHooks = copy;
        }
        return chartWithVisibleHooks;
    }

    public LintResult lint() {
        return new Helm(chartDir).lint().strict().call();
    }

    /**
     * Lints the chart with the given values on top of its defaults. helm-java's lint takes no values file, so it runs
     * on a copy of the chart whose values.yaml is the defaults deep-merged with the given YAML (maps merge, lists and
     * scalars replace — Helm's own rule).
     */
    public LintResult lint(String valuesYaml) {
        try {
            Path copy = copyOfChart("agent-harness-lint-", Files::copy);
            ObjectNode values = (ObjectNode) YAML.readTree(chartDir.resolve("values.yaml").toFile());
            merge(values, (ObjectNode) YAML.readTree(valuesYaml));
            YAML.writeValue(copy.resolve("values.yaml").toFile(), values);
            try {
                return new Helm(copy).lint().strict().call();
            } finally {
                deleteTree(copy);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How one file of the chart is copied. */
    private interface FileCopy {
        void copy(Path source, Path target) throws IOException;
    }

    /** A copy of the chart in a new directory under /tmp, each file written by {@code file}. */
    private Path copyOfChart(String prefix, FileCopy file) throws IOException {
        Path copy = Files.createTempDirectory(Path.of("/tmp"), prefix);
        copyTree(copy, file);
        return copy;
    }

    /** Copies the chart's files, as they are, into {@code target} (created if missing). */
    public void copyTo(Path target) throws IOException {
        copyTree(target, Files::copy);
    }

    private void copyTree(Path target, FileCopy file) throws IOException {
        try (var files = Files.walk(chartDir)) {
            for (Path source : files.toList()) {
                Path to = target.resolve(chartDir.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(to);
                } else {
                    file.copy(source, to);
                }
            }
        }
    }

    /** Deletes a directory and everything in it (a copy made for one test). */
    public static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    private static void merge(ObjectNode base, ObjectNode overrides) {
        overrides.properties().forEach(entry -> {
            if (entry.getValue() instanceof ObjectNode override && base.get(entry.getKey()) instanceof ObjectNode existing) {
                merge(existing, override);
            } else {
                base.set(entry.getKey(), entry.getValue());
            }
        });
    }

    /** Renders with the chart's defaults plus the given values YAML (may be empty). */
    public Rendered template(String valuesYaml) {
        try {
            Path values = Files.createTempFile(Path.of("/tmp"), "agent-harness-values-", ".yaml");
            try {
                Files.writeString(values, valuesYaml.isBlank() ? "{}\n" : valuesYaml);
                String manifest = new Helm(chartWithVisibleHooks()).template()
                        .withName(RELEASE)
                        .withNamespace(NAMESPACE)
                        .withKubeVersion(KUBE_VERSION)
                        .withValuesFile(values)
                        .call()
                        .replace(RENAMED_HOOK_KEY, HOOK_KEY);
                return new Rendered(manifest, parse(manifest));
            } finally {
                Files.deleteIfExists(values);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<ObjectNode> parse(String manifest) throws IOException {
        List<ObjectNode> objects = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(manifest)) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && doc.isObject() && !doc.isEmpty()) {
                    objects.add((ObjectNode) doc);
                }
            }
        }
        return objects;
    }

    /** The manifest text and its objects, in order. */
    public record Rendered(String text, List<ObjectNode> objects) {

        public List<ObjectNode> ofKind(String kind) {
            return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
        }

        public ObjectNode one(String kind, String name) {
            return objects.stream()
                    .filter(o -> kind.equals(o.path("kind").asText()) && name.equals(o.path("metadata").path("name").asText()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in:\n" + kinds()));
        }

        public List<String> kinds() {
            return objects.stream().map(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText()).toList();
        }
    }
}
