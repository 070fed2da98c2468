package dev.agentharness.deploy.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentharness.deploy.testing.RepositoryFiles;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every environment variable the chart sets is one the program in that container reads: the harness's and the
 * operator's {@code application.properties} are parsed for their {@code ${NAME:} references (plus the OTEL_* names
 * both read through the shared {@code OtlpEnvironment}), and a name that is in
 * neither (a renamed setting, a typo, a variable of a provider that does not exist) fails here instead of being
 * silently ignored by a pod in production. Only the names a user adds in {@code harness.env}/{@code operator.env}
 * are theirs to answer for.
 */
class EnvironmentNamesTest {

    /** Variables set on purpose that no application.properties references: none today. */
    static final Set<String> INTENTIONAL = Set.of();
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*):");

    /** The names in the properties file's {@code ${NAME:} references, and the OTEL_* ones the shared source reads. */
    static Set<String> readBy(String propertiesFile) {
        try {
            Set<String> names = new TreeSet<>(dev.agentharness.otel.OtlpVariables.ALL);
            Matcher m = REFERENCE.matcher(Files.readString(RepositoryFiles.resolve(propertiesFile)));
            while (m.find()) {
                names.add(m.group(1));
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final Set<String> HARNESS = readBy("harness-runtime/src/main/resources/application.properties");
    static final Set<String> OPERATOR = readBy("operator/src/main/resources/application.properties");

    static Stream<ValuesProfiles.Profile> profiles() {
        return ValuesProfiles.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profiles")
    void everyVariableTheChartSetsIsReadByItsProgram(ValuesProfiles.Profile profile) throws IOException {
        assertEquals(List.of(), unread(ChartRenderingTest.CHART.template(profile.values()), usersOwnNames(profile.values())),
                "set by the chart, read by nobody");
    }

    /** "owner/container: NAME" for every variable its program does not read. */
    static List<String> unread(HelmChart.Rendered rendered, Set<String> usersOwn) {
        List<String> unread = new ArrayList<>();
        Map<String, PodSpec> pods = ChartRenderingTest.podSpecs(ChartRenderingTest.typed(rendered));
        pods.forEach((owner, spec) -> {
            for (Container c : spec.getContainers()) {
                Set<String> known = switch (c.getName()) {
                    case "harness", "migrate", "eval-nightly" -> HARNESS;
                    case "operator" -> OPERATOR;
                    default -> throw new AssertionError(owner + ": a container this test does not know: " + c.getName());
                };
                for (EnvVar env : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                    if (!known.contains(env.getName()) && !INTENTIONAL.contains(env.getName()) && !usersOwn.contains(env.getName())) {
                        unread.add(owner + "/" + c.getName() + ": " + env.getName());
                    }
                }
            }
        });
        return unread;
    }

    @Test
    void theParserFindsTheVariablesBothProgramsAreKnownToRead() {
        assertTrue(HARNESS.containsAll(List.of("PORT", "HARNESS_DATA_DIR", "HARNESS_API_KEYS", "SANDBOX_PROVIDER",
                "SANDBOX_K8S_NAMESPACE", "SANDBOX_K8S_SERVICE_ACCOUNT", "E2B_API_KEY", "CLOUDFLARE_SANDBOX_WORKER_URL",
                "CLOUDFLARE_SANDBOX_API_KEY", "DATABASE_DIRECT_URL")), HARNESS.toString());
        assertTrue(OPERATOR.containsAll(List.of("HARNESS_URL", "HARNESS_API_TOKEN", "HARNESS_POLL_INTERVAL", "OPERATOR_HTTP_PORT",
                "LEADER_ELECTION_ENABLED", "LEADER_ELECTION_LEASE_NAME", "LEADER_ELECTION_NAMESPACE")), OPERATOR.toString());
        assertTrue(!HARNESS.contains("SANDBOX_KUBERNETES_NAMESPACE") && !OPERATOR.contains("POD_NAMESPACE"),
                "names the chart once set and nobody read");
    }

    @Test
    void aVariableNobodyReadsIsCaught() {
        // What the chart once set: a build-time Quarkus property (ignored at run time) and a name the operator never read.
        var rendered = ChartRenderingTest.CHART.template("operator: {env: {QUARKUS_MANAGEMENT_PORT: '9000', POD_NAMESPACE_X: x}}\n");
        assertEquals(List.of("Deployment/ah-agent-harness-operator/operator: POD_NAMESPACE_X",
                        "Deployment/ah-agent-harness-operator/operator: QUARKUS_MANAGEMENT_PORT"),
                unread(rendered, Set.of()).stream().sorted().toList());
    }

    /** Names the profile itself puts into harness.env / operator.env and their extraEnv (not the chart's defaults). */
    private static Set<String> usersOwnNames(String valuesYaml) throws IOException {
        Set<String> names = new TreeSet<>();
        if (valuesYaml.isBlank()) {
            return names;
        }
        JsonNode values = new YAMLMapper().readTree(valuesYaml);
        for (String component : List.of("harness", "operator")) {
            values.path(component).path("env").fieldNames().forEachRemaining(names::add);
            values.path(component).path("extraEnv").forEach(variable -> names.add(variable.path("name").asText()));
        }
        return names;
    }
}
