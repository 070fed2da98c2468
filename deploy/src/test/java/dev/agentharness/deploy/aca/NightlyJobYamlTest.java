package dev.agentharness.deploy.aca;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/aca/nightly-job.yaml: generated from the chart values, valid against the official Container Apps job schema
 * (Microsoft.App 2025-07-01 Jobs.json, kept beside ContainerApps.json in shared/specs/azure-containerapps with its
 * source), the app's image/settings/secrets, and what deploy.sh fills in.
 */
class NightlyJobYamlTest {

    private static final Path ROOT = RepositoryFiles.root();
    private static final Path CHART = ROOT.resolve("helm/agent-harness");
    private static final Path COMMITTED = ROOT.resolve("deploy/aca/nightly-job.yaml");
    private static final Path APP = ROOT.resolve("deploy/aca/containerapp.yaml");
    private static final YAMLMapper YAML = new YAMLMapper();

    private static Path specs() {
        for (String candidate : List.of("../shared/specs/azure-containerapps", "../../shared/specs/azure-containerapps",
                "/work/shared/specs/azure-containerapps")) {
            Path dir = ROOT.resolve(candidate).normalize();
            if (Files.isRegularFile(dir.resolve("ContainerApps.json"))) { // Jobs.json itself is vendored in the test resources
                return dir;
            }
        }
        throw new IllegalStateException("the Container Apps ARM schemas (shared/specs/azure-containerapps) are not beside the repository");
    }

    private static final ContainerAppSchema JOB_SCHEMA = new ContainerAppSchema(specs(), "Jobs.json", "Job");

    @Test
    void theCommittedFileIsExactlyWhatTheChartValuesGenerate() throws IOException {
        assertEquals(NightlyJobYaml.generate(CHART), Files.readString(COMMITTED),
                "deploy/aca/nightly-job.yaml is stale: run `make generate`");
    }

    @Test
    void theCommittedFileIsAValidScheduledJobWithNoUndeclaredField() throws IOException {
        JsonNode job = YAML.readTree(COMMITTED.toFile());
        assertEquals(List.of(), JOB_SCHEMA.validate(job));
        assertEquals(List.of(), JOB_SCHEMA.undeclaredFields(job));
        JsonNode configuration = job.path("properties").path("configuration");
        assertEquals("Schedule", configuration.path("triggerType").asText());
        JsonNode values = YAML.readTree(CHART.resolve("values.yaml").toFile()).path("evals").path("nightly");
        assertEquals(values.path("schedule").asText(), configuration.path("scheduleTriggerConfig").path("cronExpression").asText());
        assertEquals(values.path("activeDeadlineSeconds").asInt(), configuration.path("replicaTimeout").asInt());
        assertEquals(List.of("eval", "nightly"), YAML.convertValue(container(job).path("args"), List.class));
    }

    @Test
    void theSchemaCatchesWhatAzureWouldRefuseOrSilentlyDrop() throws IOException {
        ObjectNode job = (ObjectNode) YAML.readTree(COMMITTED.toFile());
        ObjectNode configuration = (ObjectNode) job.path("properties").path("configuration");
        configuration.remove("replicaTimeout");
        configuration.put("triggerType", "Sometimes");
        ((ObjectNode) configuration.path("scheduleTriggerConfig")).remove("cronExpression");
        configuration.put("scheduleTrigger", "0 3 * * *");
        List<String> errors = JOB_SCHEMA.validate(job);
        assertTrue(errors.stream().anyMatch(e -> e.contains("replicaTimeout")), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.contains("triggerType")), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.contains("cronExpression")), errors.toString());
        assertEquals(List.of("$.properties.configuration.scheduleTrigger is not a field of the Job definition"),
                JOB_SCHEMA.undeclaredFields(job));
    }

    @Test
    void theJobRunsTheAppsImageWithTheAppsSettingsAndSecretsPlusItsOwn() throws IOException {
        JsonNode job = YAML.readTree(COMMITTED.toFile());
        JsonNode app = YAML.readTree(APP.toFile());
        JsonNode appContainer = app.path("properties").path("template").path("containers").get(0);
        assertEquals(appContainer.path("image"), container(job).path("image"));
        List<JsonNode> appEnv = list(appContainer.path("env"));
        List<JsonNode> jobEnv = list(container(job).path("env"));
        assertEquals(appEnv, jobEnv.subList(0, appEnv.size()));
        assertEquals(List.of("HARNESS_EVAL_NIGHTLY_WINDOW", "HARNESS_EVAL_NIGHTLY_SAMPLE", "HARNESS_EVAL_NIGHTLY_PER_AGENT",
                "HARNESS_EVAL_NIGHTLY_CONCURRENCY"), jobEnv.subList(appEnv.size(), jobEnv.size()).stream()
                .map(e -> e.path("name").asText()).toList());
        assertEquals(app.path("properties").path("configuration").path("secrets"),
                job.path("properties").path("configuration").path("secrets"));
        assertEquals(app.path("identity"), job.path("identity"));
    }

    @Test
    void whatDeployShSendsIsAValidJobWithEveryPlaceholderAndSecretFilled() throws Exception {
        Map<String, String> env = new HashMap<>(Map.of(
                "PATH", System.getenv("PATH"),
                "LOCATION", "westeurope",
                "ENVIRONMENT_ID", "/subscriptions/0000/resourceGroups/agent-harness/providers/Microsoft.App/managedEnvironments/agent-harness-env",
                "IDENTITY_ID", "/subscriptions/0000/resourceGroups/agent-harness/providers/Microsoft.ManagedIdentity/userAssignedIdentities/agent-harness-identity",
                "IDENTITY_CLIENT_ID", "0b4f6c2e-1a2b-4c3d-9e8f-000000c11e17",
                "REGISTRY_SERVER", "acr.azurecr.io",
                "IMAGE_TAG", "abc123",
                "DATABASE_URL", "postgresql://app:p'w@ep-x-pooler.neon.tech/neondb",
                "KEY_VAULT_URL", "https://agent-harness-kv.vault.azure.net",
                "KEY_VAULT_SECRETS", "database-url harness-alerts-webhook-url"));
        var result = ContainerAppYamlTest.run(List.of("bash", "deploy/aca/deploy.sh", "render-nightly"), env);
        assertEquals(0, result.exitCode(), result.stderr());
        assertFalse(result.stdout().contains("${"), result.stdout());
        JsonNode job = YAML.readTree(result.stdout());
        assertEquals(List.of(), JOB_SCHEMA.validate(job));
        assertEquals(List.of(), JOB_SCHEMA.undeclaredFields(job));
        assertEquals("acr.azurecr.io/agent-harness/harness:abc123", container(job).path("image").asText());
        Map<String, String> secrets = new HashMap<>();
        job.path("properties").path("configuration").path("secrets")
                .forEach(s -> secrets.put(s.path("name").asText(), s.path("keyVaultUrl").asText()));
        assertEquals(Map.of("database-url", "https://agent-harness-kv.vault.azure.net/secrets/database-url",
                "harness-alerts-webhook-url", "https://agent-harness-kv.vault.azure.net/secrets/harness-alerts-webhook-url"),
                secrets, "secrets the vault does not hold are dropped with their variable");
        assertFalse(result.stdout().contains("p'w"), "no value from the environment in the Key Vault path");
        assertTrue(list(container(job).path("env")).stream().noneMatch(e -> e.path("secretRef").asText().equals("openai-api-key")));
    }

    @Test
    void aScheduleAzureCannotTakeIsRefusedAtGeneration(@TempDir Path dir) throws IOException {
        Path chart = Files.createDirectories(dir.resolve("chart"));
        String values = Files.readString(CHART.resolve("values.yaml"));
        Files.writeString(chart.resolve("values.yaml"), values.replace("schedule: \"0 3 * * *\"", "schedule: \"@daily\""));
        IllegalArgumentException macro = assertThrows(IllegalArgumentException.class, () -> NightlyJobYaml.generate(chart));
        assertTrue(macro.getMessage().contains("evals.nightly.schedule"), macro.getMessage());
        Files.writeString(chart.resolve("values.yaml"), values.replace("timeZone: \"\"", "timeZone: Europe/Berlin"));
        IllegalArgumentException zone = assertThrows(IllegalArgumentException.class, () -> NightlyJobYaml.generate(chart));
        assertTrue(zone.getMessage().contains("UTC"), zone.getMessage());
    }

    private static JsonNode container(JsonNode job) {
        return job.path("properties").path("template").path("containers").get(0);
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items;
    }
}
