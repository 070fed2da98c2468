package dev.agentharness.crds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.crds.v1alpha1.AgentRunReason;
import dev.agentharness.crds.v1alpha1.AgentRunSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the committed CRDs promise a user of kubectl, Argo CD and the API server. */
class CrdDefinitionTest {

    static CustomResourceDefinition crd(String file) throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("generated", file))) {
            return Serialization.unmarshal(in, CustomResourceDefinition.class);
        }
    }

    static final String AGENT_RUNS = "agentruns.agentharness.dev-v1.yml";
    static final String SANDBOX_MANIFESTS = "sandboxmanifests.agentharness.dev-v1.yml";

    @Test
    void agentRunNamesShortNameAndCategory() throws IOException {
        CustomResourceDefinition crd = crd(AGENT_RUNS);
        assertEquals("agentharness.dev", crd.getSpec().getGroup());
        assertEquals("Namespaced", crd.getSpec().getScope());
        assertEquals("AgentRun", crd.getSpec().getNames().getKind());
        assertEquals(List.of("ar"), crd.getSpec().getNames().getShortNames());
        assertEquals(List.of("agentharness"), crd.getSpec().getNames().getCategories());
        CustomResourceDefinitionVersion v1alpha1 = crd.getSpec().getVersions().getFirst();
        assertEquals("v1alpha1", v1alpha1.getName());
        assertNotNull(v1alpha1.getSubresources().getStatus(), "status is a subresource: users cannot write it with the spec");
    }

    @Test
    void sandboxManifestNamesShortNameAndCategory() throws IOException {
        CustomResourceDefinition crd = crd(SANDBOX_MANIFESTS);
        assertEquals("SandboxManifest", crd.getSpec().getNames().getKind());
        assertEquals(List.of("sbm"), crd.getSpec().getNames().getShortNames());
        assertEquals(List.of("agentharness"), crd.getSpec().getNames().getCategories());
        assertNotNull(crd.getSpec().getVersions().getFirst().getSubresources().getStatus());
    }

    @Test
    void kubectlGetArShowsSucceededReasonAgentAgeAndDuration() throws IOException {
        List<CustomResourceColumnDefinition> columns = crd(AGENT_RUNS).getSpec().getVersions().getFirst()
                .getAdditionalPrinterColumns();
        List<String> defaultColumns = columns.stream().filter(c -> c.getPriority() == 0)
                .map(CustomResourceColumnDefinition::getName).toList();
        assertEquals(List.of("Succeeded", "Reason", "Agent", "StartTime", "CompletionTime", "Duration", "Age"),
                defaultColumns);
        assertEquals(".status.conditions[?(@.type==\"Succeeded\")].status", column(columns, "Succeeded").getJsonPath());
        assertEquals(".status.conditions[?(@.type==\"Succeeded\")].reason", column(columns, "Reason").getJsonPath());
        assertEquals("date", column(columns, "Age").getType());
    }

    @Test
    void wideOutputAddsTheRunAndItsTurns() throws IOException {
        List<CustomResourceColumnDefinition> columns = crd(AGENT_RUNS).getSpec().getVersions().getFirst()
                .getAdditionalPrinterColumns();
        assertEquals(List.of("Run", "Turns"), columns.stream().filter(c -> c.getPriority() == 1)
                .map(CustomResourceColumnDefinition::getName).toList());
        assertEquals(".status.progress.turns", column(columns, "Turns").getJsonPath());
        assertEquals("integer", column(columns, "Turns").getType());
    }

    @Test
    void statusProgressHasTurnsStepsLastStepAttemptsAndRecoveries() throws IOException {
        JSONSchemaProps progress = crd(AGENT_RUNS).getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema()
                .getProperties().get("status").getProperties().get("progress");
        assertNotNull(progress, "status.progress is in the schema");
        assertEquals(List.of("attempts", "lastStep", "recoveries", "steps", "turns"),
                progress.getProperties().keySet().stream().sorted().toList());
        assertEquals("integer", progress.getProperties().get("turns").getType());
        assertEquals("string", progress.getProperties().get("lastStep").getType());
    }

    @Test
    void specIsImmutableExceptCancelThroughACelTransitionRule() throws IOException {
        JSONSchemaProps spec = crd(AGENT_RUNS).getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema()
                .getProperties().get("spec");
        List<ValidationRule> rules = spec.getXKubernetesValidations();
        assertEquals(1, rules.size());
        String rule = rules.getFirst().getRule();
        assertEquals(AgentRunSpec.IMMUTABLE_RULE, rule);
        assertTrue(rules.getFirst().getMessage().contains("spec.runNonce"));
        // Every spec field but cancel is pinned by the rule; cancel is the only one left free.
        for (String field : spec.getProperties().keySet()) {
            boolean pinned = rule.contains("self." + field + " == oldSelf." + field);
            assertEquals(!field.equals("cancel"), pinned, "spec." + field + (pinned ? " must not" : " must") + " be pinned");
        }
    }

    @Test
    void requiredFieldsPatternsAndBoundsAreInTheSchema() throws IOException {
        JSONSchemaProps spec = crd(AGENT_RUNS).getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema()
                .getProperties().get("spec");
        assertEquals(List.of("agent", "input"), spec.getRequired());
        assertEquals(AgentRunSpec.AGENT_PATTERN, spec.getProperties().get("agent").getPattern());
        assertEquals(1L, spec.getProperties().get("input").getMinLength());
        assertEquals(100.0, spec.getProperties().get("maxTurns").getMaximum());
        assertEquals(1.0, spec.getProperties().get("timeoutSeconds").getMinimum());
        assertEquals(List.of("name"), spec.getProperties().get("sandboxManifestRef").getRequired());
        JSONSchemaProps budget = spec.getProperties().get("budget");
        for (String field : List.of("maxCostUsd", "maxTokens")) {
            assertEquals(0.0, budget.getProperties().get(field).getMinimum(), field);
            assertEquals(Boolean.TRUE, budget.getProperties().get(field).getExclusiveMinimum(), field + " > 0");
        }
        assertEquals("number", budget.getProperties().get("maxCostUsd").getType());
        assertEquals("integer", budget.getProperties().get("maxTokens").getType());
    }

    @Test
    void phaseIsAnEnumAndReasonsAreDocumentedInTheEnum() throws IOException {
        JSONSchemaProps status = crd(AGENT_RUNS).getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema()
                .getProperties().get("status");
        assertEquals(7, status.getProperties().get("phase").getEnum().size());
        assertEquals(List.of("Pending", "AgentNotReady", "Queued", "Running", "HarnessUnavailable", "Throttled", "Suspended", "Succeeded",
                "Failed", "Cancelled", "TimedOut", "ValidationFailed", "MaxTurnsExceeded", "BudgetExceeded"),
                Arrays.stream(AgentRunReason.values()).map(Enum::name).toList());
    }

    @Test
    void sandboxManifestEntriesAreTypedAndCapabilitiesEnumerated() throws IOException {
        JSONSchemaProps spec = crd(SANDBOX_MANIFESTS).getSpec().getVersions().getFirst().getSchema()
                .getOpenAPIV3Schema().getProperties().get("spec");
        JSONSchemaProps entry = spec.getProperties().get("entries").getAdditionalProperties().getSchema();
        assertEquals(List.of("type"), entry.getRequired());
        assertEquals(5, entry.getProperties().get("type").getEnum().size());
        assertEquals(5, spec.getProperties().get("capabilities").getItems().getSchema().getEnum().size());
    }

    private static CustomResourceColumnDefinition column(List<CustomResourceColumnDefinition> columns, String name) {
        return columns.stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }
}
