package dev.agentharness.deploy.aca;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentharness.deploy.helm.HelmChart;
import dev.agentharness.deploy.testing.RepositoryFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** deploy/aca/containerapp.yaml: generated from the chart values, valid against the official ContainerApp schema. */
class ContainerAppYamlTest {

    private static final Path ROOT = RepositoryFiles.root();
    private static final Path CHART = ROOT.resolve("helm/agent-harness");
    private static final Path SETTINGS = ROOT.resolve("deploy/aca/settings.yaml");
    private static final Path COMMITTED = ROOT.resolve("deploy/aca/containerapp.yaml");
    private static final ContainerAppSchema SCHEMA = new ContainerAppSchema(specs());
    private static final YAMLMapper YAML = new YAMLMapper();

    private static Path specs() {
        for (String candidate : List.of("../shared/specs/azure-containerapps", "../../shared/specs/azure-containerapps",
                "/work/shared/specs/azure-containerapps")) {
            Path dir = ROOT.resolve(candidate).normalize();
            if (Files.isRegularFile(dir.resolve("ContainerApps.json"))) {
                return dir;
            }
        }
        throw new IllegalStateException("the ContainerApp ARM schema (shared/specs/azure-containerapps) is not beside the repository");
    }

    @Test
    void theCommittedFileIsExactlyWhatTheChartValuesGenerate() throws IOException {
        assertEquals(ContainerAppYaml.generate(CHART, SETTINGS), Files.readString(COMMITTED),
                "deploy/aca/containerapp.yaml is stale: run `make generate`");
    }

    @Test
    void theCommittedFileIsAValidContainerAppWithNoUndeclaredField() throws IOException {
        JsonNode app = YAML.readTree(COMMITTED.toFile());
        assertEquals(List.of(), SCHEMA.validate(app));
        assertEquals(List.of(), SCHEMA.undeclaredFields(app));
    }

    @Test
    void theCommittedFileReferencesEverySecretInKeyVaultThroughTheAppsIdentityAndHoldsNoValue() throws IOException {
        String text = Files.readString(COMMITTED);
        assertFalse(text.contains("TRIAL"), "the committed file is the Key Vault one");
        JsonNode app = YAML.readTree(text);
        JsonNode secrets = app.path("properties").path("configuration").path("secrets");
        assertTrue(secrets.size() > 5, secrets.toString());
        for (JsonNode secret : secrets) {
            String name = secret.path("name").asText();
            assertEquals("${KEY_VAULT_URL}/secrets/" + name, secret.path("keyVaultUrl").asText(), secret.toString());
            assertEquals("${IDENTITY_ID}", secret.path("identity").asText(), secret.toString());
            assertFalse(secret.has("value"), secret.toString());
        }
        assertTrue(app.path("identity").path("userAssignedIdentities").has("${IDENTITY_ID}"), "the identity is the app's");
    }

    @Test
    void whatDeployShSendsReferencesOnlyTheSecretsTheVaultHoldsAndDropsTheRestWithTheirVariables() throws Exception {
        String rendered = render(Map.of("KEY_VAULT_URL", "https://agent-harness-kv.vault.azure.net",
                "KEY_VAULT_SECRETS", "harness-api-keys database-url openai-api-key",
                "DATABASE_URL", "postgresql://app:pw@h/d", "MASK_SECRETS", "false"));
        assertFalse(rendered.contains("${"), rendered);
        assertFalse(rendered.contains("postgresql://"), "no value from the environment in the Key Vault path");
        JsonNode app = YAML.readTree(rendered);
        assertEquals(List.of(), SCHEMA.validate(app));
        assertEquals(List.of(), SCHEMA.undeclaredFields(app));
        Map<String, String> urls = new java.util.LinkedHashMap<>();
        app.path("properties").path("configuration").path("secrets").forEach(s -> {
            assertEquals(IDENTITY, s.path("identity").asText());
            urls.put(s.path("name").asText(), s.path("keyVaultUrl").asText());
        });
        assertEquals(Map.of("harness-api-keys", "https://agent-harness-kv.vault.azure.net/secrets/harness-api-keys",
                "openai-api-key", "https://agent-harness-kv.vault.azure.net/secrets/openai-api-key",
                "database-url", "https://agent-harness-kv.vault.azure.net/secrets/database-url"), urls);
        List<String> secretRefs = StreamSupport.stream(container(app).path("env").spliterator(), false)
                .filter(e -> e.has("secretRef")).map(e -> e.path("name").asText()).toList();
        assertEquals(List.of("HARNESS_API_KEYS", "OPENAI_API_KEY", "DATABASE_URL"), secretRefs);
    }

    @Test
    void theTrialPathIsAGeneratorOptionFlaggedInTheFileAndCopiesValuesFromTheEnvironment(@TempDir Path temp) throws Exception {
        Path settings = temp.resolve("settings.yaml");
        Files.writeString(settings, Files.readString(SETTINGS).replace("secrets: keyVault", "secrets: trialValues"));
        String trial = ContainerAppYaml.generate(CHART, settings);
        assertTrue(trial.contains("# TRIAL ONLY (settings.yaml secrets: trialValues)"), trial);
        assertFalse(trial.contains("keyVaultUrl"), trial);
        Path file = temp.resolve("containerapp.yaml");
        Files.writeString(file, trial);
        assertEquals(List.of(), SCHEMA.validate(YAML.readTree(trial)));

        String rendered = render(Map.of("CONTAINERAPP_YAML", file.toString(),
                "DATABASE_URL", "postgresql://app:p'w&d@ep-x-pooler.eastus2.azure.neon.tech/neondb?sslmode=require",
                "HARNESS_API_KEYS", "ops:k1,operator:k2", "OPENAI_API_KEY", "sk-test-123", "MASK_SECRETS", "false"));
        assertFalse(rendered.contains("${"), rendered);
        JsonNode app = YAML.readTree(rendered);
        assertEquals(List.of(), SCHEMA.validate(app));
        assertEquals(List.of(), SCHEMA.undeclaredFields(app));
        assertEquals("westeurope", app.path("location").asText());
        assertEquals("acr.azurecr.io/agent-harness/harness:abc123", container(app).path("image").asText());
        assertEquals("postgresql://app:p'w&d@ep-x-pooler.eastus2.azure.neon.tech/neondb?sslmode=require",
                secrets(app).get("database-url"), "the value survives YAML quoting exactly");
        assertTrue(app.path("identity").path("userAssignedIdentities").has(IDENTITY));
    }

    @Test
    void trialSecretsWithoutAValueAreDroppedWithTheirVariableUnlessTheAppHasThemAlready(@TempDir Path temp) throws Exception {
        Path settings = temp.resolve("settings.yaml");
        Files.writeString(settings, Files.readString(SETTINGS).replace("secrets: keyVault", "secrets: trialValues"));
        Path file = temp.resolve("containerapp.yaml");
        Files.writeString(file, ContainerAppYaml.generate(CHART, settings));
        JsonNode app = YAML.readTree(render(Map.of("CONTAINERAPP_YAML", file.toString(),
                "DATABASE_URL", "postgresql://a:b@h/d", "HARNESS_API_KEYS", "k",
                "KEEP_SECRETS", "openai-api-key r2-bucket", "MASK_SECRETS", "true")));
        assertEquals(Map.of("harness-api-keys", "***", "database-url", "***", "openai-api-key", "", "r2-bucket", ""), secrets(app));
        List<String> secretRefs = StreamSupport.stream(container(app).path("env").spliterator(), false)
                .filter(e -> e.has("secretRef")).map(e -> e.path("name").asText()).toList();
        assertEquals(List.of("HARNESS_API_KEYS", "OPENAI_API_KEY", "DATABASE_URL", "R2_BUCKET"), secretRefs);
        assertEquals(List.of(), SCHEMA.validate(app));
    }

    @Test
    void anUpdatePinsTrafficOnTheLiveRevisionSoTheNewOneStartsAtZero() throws Exception {
        JsonNode app = YAML.readTree(render(Map.of("KEY_VAULT_URL", "https://kv.vault.azure.net",
                "KEY_VAULT_SECRETS", "harness-api-keys", "TRAFFIC_PIN", "agent-harness--blue")));
        JsonNode traffic = app.path("properties").path("configuration").path("ingress").path("traffic");
        assertEquals(1, traffic.size());
        assertEquals("agent-harness--blue", traffic.get(0).path("revisionName").asText());
        assertEquals(100, traffic.get(0).path("weight").asInt());
        assertEquals(List.of(), SCHEMA.validate(app));
    }

    @Test
    void deployShRefusesToRenderWithAPlaceholderUnset() throws Exception {
        var result = run(List.of("bash", "deploy/aca/deploy.sh", "render"), Map.of("PATH", System.getenv("PATH")));
        assertEquals(2, result.exitCode());
        assertTrue(result.stderr().contains("ENVIRONMENT_ID is not set"), result.stderr());
    }

    @Test
    void itDescribesTheHarnessAsSpec10Asks() throws IOException {
        JsonNode app = YAML.readTree(COMMITTED.toFile());
        JsonNode configuration = app.path("properties").path("configuration");
        assertEquals("Multiple", configuration.path("activeRevisionsMode").asText());
        assertTrue(configuration.path("ingress").path("external").asBoolean());
        assertEquals(8000, configuration.path("ingress").path("targetPort").asInt());
        JsonNode scale = app.path("properties").path("template").path("scale");
        // Not zero (issue 10): a stopping replica hands its runs in flight back to the queue, and a replica must be
        // up to claim them — and the queued async runs — without waiting for the next HTTP request.
        assertEquals(1, scale.path("minReplicas").asInt(), "one replica stays up to claim handed-back runs");
        assertTrue(scale.path("maxReplicas").asInt() > 1);
        assertTrue(scale.path("rules").get(0).path("http").path("metadata").has("concurrentRequests"));
        JsonNode c = container(app);
        assertEquals("/health", c.path("probes").get(0).path("httpGet").path("path").asText());
        assertEquals("Startup", c.path("probes").get(0).path("type").asText());
        for (JsonNode env : c.path("env")) {
            assertTrue(env.has("value") != env.has("secretRef"), env.toString());
            if (env.has("value")) {
                assertFalse(Helm.SECRET_VARIABLES.contains(env.path("name").asText()), "secret inlined: " + env);
            }
        }
    }

    @Test
    void imageEnvironmentProbesAndResourcesAreTheOnesHelmRendersForTheHarness() throws IOException {
        JsonNode app = YAML.readTree(COMMITTED.toFile());
        JsonNode aca = container(app);
        JsonNode deployment = new HelmChart(CHART).template("").one("Deployment", "ah-agent-harness-harness");
        JsonNode k8s = deployment.path("spec").path("template").path("spec").path("containers").get(0);

        assertTrue(k8s.path("image").asText().endsWith("/" + aca.path("image").asText()
                .replace("${REGISTRY_SERVER}/", "").replace(":${IMAGE_TAG}", ":0.1.0")), "same repository path");
        Map<String, String> acaPlain = new HashMap<>();
        List<String> acaSecret = new ArrayList<>();
        aca.path("env").forEach(e -> {
            if (e.has("value")) acaPlain.put(e.path("name").asText(), e.path("value").asText());
            else acaSecret.add(e.path("name").asText());
        });
        Map<String, String> k8sPlain = new HashMap<>();
        List<String> k8sSecret = new ArrayList<>();
        k8s.path("env").forEach(e -> {
            if (e.has("value")) k8sPlain.put(e.path("name").asText(), e.path("value").asText());
            else k8sSecret.add(e.path("name").asText());
        });
        k8sPlain.remove("HARNESS_DATA_DIR"); // the pod mounts a volume there; the image's default serves ACA
        // The app's user-assigned identity for azure-identity; on AKS the workload-identity webhook sets it.
        assertEquals("${IDENTITY_CLIENT_ID}", acaPlain.remove("AZURE_CLIENT_ID"));
        // The operator's namespace delegation: Container Apps run no operator (no AgentRuns), so nobody acts for one.
        assertEquals("operator", k8sPlain.remove("HARNESS_NAMESPACE_DELEGATES"));
        assertEquals(k8sPlain, acaPlain);
        assertEquals(Integer.toString(deployment.path("spec").path("template").path("spec")
                        .path("terminationGracePeriodSeconds").asInt() - 15), k8sPlain.get("HARNESS_SHUTDOWN_GRACE_SECONDS"),
                "runs in flight get the pod's grace period minus the hand-over margin");
        assertEquals(app.path("properties").path("template").path("terminationGracePeriodSeconds").asInt() - 15,
                Integer.parseInt(acaPlain.get("HARNESS_SHUTDOWN_GRACE_SECONDS")));
        assertEquals(List.of("HARNESS_API_KEYS"), k8sSecret, "defaults reference only the API keys Secret");
        assertTrue(acaSecret.containsAll(List.of("HARNESS_API_KEYS", "OPENAI_API_KEY", "DATABASE_URL", "DATABASE_DIRECT_URL",
                "R2_ACCOUNT_ID", "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY", "R2_BUCKET", "E2B_API_KEY")));
        for (String[] kinds : new String[][] {{"startupProbe", "Startup"}, {"livenessProbe", "Liveness"}, {"readinessProbe", "Readiness"}}) {
            JsonNode kp = k8s.path(kinds[0]);
            JsonNode ap = StreamSupport.stream(aca.path("probes").spliterator(), false)
                    .filter(p -> p.path("type").asText().equals(kinds[1])).findFirst().orElseThrow();
            for (String field : List.of("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold")) {
                assertEquals(kp.path(field).asInt(), ap.path(field).asInt(), kinds[1] + " " + field);
            }
            assertEquals(kp.path("httpGet").path("path").asText(), ap.path("httpGet").path("path").asText());
        }
        assertEquals("500m", k8s.path("resources").path("requests").path("cpu").asText());
        assertEquals(0.5, aca.path("resources").path("cpu").asDouble());
        assertEquals(k8s.path("resources").path("requests").path("memory").asText(), aca.path("resources").path("memory").asText());
        assertEquals(deployment.path("spec").path("template").path("spec").path("terminationGracePeriodSeconds").asInt(),
                app.path("properties").path("template").path("terminationGracePeriodSeconds").asInt());
    }

    @Test
    void aDeliberatelyBadContainerAppFailsTheOfficialSchema() throws IOException {
        ObjectNode app = (ObjectNode) YAML.readTree(COMMITTED.toFile());
        ObjectNode configuration = (ObjectNode) app.path("properties").path("configuration");
        configuration.put("activeRevisionsMode", "BlueGreen");
        ((ObjectNode) configuration.path("ingress")).put("external", "yes");
        ((ObjectNode) app.path("properties").path("template").path("scale")).put("minReplicas", "zero");
        ((ObjectNode) ((ArrayNode) container(app).path("probes")).get(0)).put("type", "Warmup");
        app.remove("location");
        List<String> errors = SCHEMA.validate(app);
        String all = String.join("\n", errors);
        assertTrue(all.contains("activeRevisionsMode"), all);
        assertTrue(all.contains("external"), all);
        assertTrue(all.contains("minReplicas"), all);
        assertTrue(all.contains("type"), all);
        assertTrue(all.contains("location"), all);
    }

    @Test
    void aMisspeltKeyThatTheSchemaWouldLetThroughIsCaught() throws IOException {
        ObjectNode app = (ObjectNode) YAML.readTree(COMMITTED.toFile());
        ObjectNode configuration = (ObjectNode) app.path("properties").path("configuration");
        configuration.set("activeRevisionMode", configuration.remove("activeRevisionsMode"));
        ((ObjectNode) container(app)).put("imagePullPolicy", "Always");
        assertEquals(List.of(), SCHEMA.validate(app), "JSON Schema alone accepts it (no additionalProperties:false upstream)");
        assertEquals(List.of(
                        "$.properties.configuration.activeRevisionMode is not a field of the ContainerApp definition",
                        "$.properties.template.containers[0].imagePullPolicy is not a field of the ContainerApp definition"),
                SCHEMA.undeclaredFields(app));
    }

    @Test
    void theGeneratorRefusesWhatAzureContainerAppsCannotRun(@TempDir Path temp) throws IOException {
        Path chart = temp.resolve("chart");
        Files.createDirectories(chart);
        String values = Files.readString(CHART.resolve("values.yaml"));
        Files.writeString(chart.resolve("values.yaml"), values.replace("      cpu: 500m\n      memory: 1Gi", "      cpu: 500m\n      memory: 3Gi"));
        var error = assertThrows(IllegalArgumentException.class, () -> ContainerAppYaml.generate(chart, SETTINGS));
        assertTrue(error.getMessage().contains("not an Azure Container Apps consumption size"), error.getMessage());
        Files.writeString(chart.resolve("values.yaml"), values.replace("failureThreshold: 10", "failureThreshold: 30"));
        error = assertThrows(IllegalArgumentException.class, () -> ContainerAppYaml.generate(chart, SETTINGS));
        assertEquals("Startup probe failureThreshold is 30; Azure Container Apps accepts 1 to 10", error.getMessage());
        Files.writeString(chart.resolve("values.yaml"), values.replace("      cpu: 500m\n      memory: 1Gi", "      cpu: 1500m\n      memory: 3Gi"));
        assertTrue(ContainerAppYaml.generate(chart, SETTINGS).contains("cpu: 1.5\n          memory: 3Gi"));
    }

    // --- helpers ---

    private static final String IDENTITY = "/subscriptions/0000/resourceGroups/agent-harness/providers/Microsoft.ManagedIdentity/userAssignedIdentities/agent-harness-identity";

    private static final class Helm {
        static final java.util.Set<String> SECRET_VARIABLES = java.util.Set.of("HARNESS_API_KEYS", "OPENAI_API_KEY",
                "AZURE_OPENAI_API_KEY", "DATABASE_URL", "DATABASE_DIRECT_URL", "R2_ACCOUNT_ID", "R2_ACCESS_KEY_ID",
                "R2_SECRET_ACCESS_KEY", "R2_BUCKET", "E2B_API_KEY", "CLOUDFLARE_SANDBOX_API_KEY");
    }

    private static String render(Map<String, String> extra) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of(
                "PATH", System.getenv("PATH"),
                "LOCATION", "westeurope",
                "ENVIRONMENT_ID", "/subscriptions/0000/resourceGroups/agent-harness/providers/Microsoft.App/managedEnvironments/agent-harness-env",
                "IDENTITY_ID", IDENTITY,
                "IDENTITY_CLIENT_ID", "0b4f6c2e-1a2b-4c3d-9e8f-000000c11e17",
                "REGISTRY_SERVER", "acr.azurecr.io",
                "IMAGE_TAG", "abc123",
                "REVISION_SUFFIX", "abc123-101500"));
        env.putAll(extra);
        var result = run(List.of("bash", "deploy/aca/deploy.sh", "render"), env);
        assertEquals(0, result.exitCode(), result.stderr());
        return result.stdout();
    }

    record Result(int exitCode, String stdout, String stderr) {
    }

    static Result run(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        var out = p.inputReader().lines().collect(Collectors.joining("\n", "", "\n"));
        var err = p.errorReader().lines().collect(Collectors.joining("\n"));
        return new Result(p.waitFor(), out, err);
    }

    private static JsonNode container(JsonNode app) {
        return app.path("properties").path("template").path("containers").get(0);
    }

    private static Map<String, String> secrets(JsonNode app) {
        Map<String, String> secrets = new java.util.LinkedHashMap<>();
        app.path("properties").path("configuration").path("secrets")
                .forEach(s -> secrets.put(s.path("name").asText(), s.path("value").asText()));
        return secrets;
    }
}
