package dev.agentharness.deploy.argocd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentharness.crds.v1alpha1.Agent;
import dev.agentharness.crds.v1alpha1.AgentReason;
import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunReason;
import dev.agentharness.crds.v1alpha1.SandboxManifest;
import dev.agentharness.deploy.testing.RepositoryFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.luaj.vm2.LuaValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Argo CD health checks and the cancel action, executed by a real Lua engine on AgentRuns and SandboxManifests
 * built from the crds classes (ArgoCdFixtures), for every reason the operator can write.
 */
class ArgoCdCustomizationsTest {

    private static final Path ARGOCD = RepositoryFiles.resolve("examples/argocd");
    private static final YAMLMapper YAML = new YAMLMapper();

    private static String lua(String file) throws IOException {
        return Files.readString(ARGOCD.resolve(file));
    }

    private static String[] health(String script, JsonNode obj) throws IOException {
        LuaValue hs = ArgoLua.run(lua(script), obj);
        return new String[] {hs.get("status").tojstring(), hs.get("message").isnil() ? null : hs.get("message").tojstring()};
    }

    private static JsonNode agentRun(AgentRunReason reason) {
        return ArgoCdFixtures.json(ArgoCdFixtures.agentRun(reason, null));
    }

    /**
     * Every reason the operator can write (the crds enum, with the condition status each goes with) maps to its Argo CD
     * health: Unknown → Progressing, True → Healthy, False → Degraded, the message naming reason and detail.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(AgentRunReason.class)
    void agentRunHealthFollowsTheSucceededConditionForEveryReason(AgentRunReason reason) throws IOException {
        String[] hs = health("health/agentrun.lua", ArgoCdFixtures.json(ArgoCdFixtures.agentRun(reason, "the detail")));
        String expected = switch (reason.conditionStatus()) {
            case "True" -> "Healthy";
            case "False" -> "Degraded";
            case "Unknown" -> "Progressing";
            default -> throw new AssertionError(reason.conditionStatus());
        };
        assertEquals(expected, hs[0], reason.name());
        assertEquals(expected.equals("Healthy") ? "the detail" : reason.name() + ": the detail", hs[1]);
        String[] bare = health("health/agentrun.lua", agentRun(reason));
        assertEquals(expected, bare[0]);
        assertEquals(reason.name(), bare[1], "without a message the reason is the message");
    }

    @Test
    void anAgentRunWithoutStatusOrWithAStaleOneIsProgressing() throws IOException {
        assertArrayEquals(new String[] {"Progressing", "Waiting for the operator to submit the run"},
                health("health/agentrun.lua", agentRun(null)));
        AgentRun stale = ArgoCdFixtures.agentRun(AgentRunReason.Succeeded, "done");
        stale.getMetadata().setGeneration(2L);
        assertArrayEquals(new String[] {"Progressing", "Waiting for the operator to observe the latest spec"},
                health("health/agentrun.lua", ArgoCdFixtures.json(stale)));
        AgentRun phaseOnly = ArgoCdFixtures.agentRun(AgentRunReason.Queued, null);
        phaseOnly.getStatus().getConditions().clear();
        assertArrayEquals(new String[] {"Progressing", "Phase Queued"}, health("health/agentrun.lua", ArgoCdFixtures.json(phaseOnly)));
        AgentRun otherCondition = ArgoCdFixtures.agentRun(AgentRunReason.Queued, null);
        otherCondition.getStatus().getConditions().getFirst().setType("Ready");
        assertEquals("Progressing", health("health/agentrun.lua", ArgoCdFixtures.json(otherCondition))[0]);
    }

    @Test
    void theFixturesCarryTheStatusShapeTheScriptsRead() {
        JsonNode run = ArgoCdFixtures.json(ArgoCdFixtures.agentRun(AgentRunReason.Failed, "model unavailable"));
        JsonNode condition = run.path("status").path("conditions").get(0);
        assertEquals(List.of("Succeeded", "False", "Failed", "model unavailable"), List.of(condition.path("type").asText(),
                condition.path("status").asText(), condition.path("reason").asText(), condition.path("message").asText()));
        assertEquals("Failed", run.path("status").path("phase").asText());
        assertEquals(1, run.path("status").path("observedGeneration").asInt());
        JsonNode manifest = ArgoCdFixtures.json(ArgoCdFixtures.sandboxManifest(true, "valid"));
        assertEquals("Ready", manifest.path("status").path("conditions").get(0).path("type").asText());
        assertEquals(ArgoCdFixtures.DIGEST, manifest.path("status").path("digest").asText());
    }

    @Test
    void sandboxManifestHealthFollowsReady() throws IOException {
        assertArrayEquals(new String[] {"Progressing", "Waiting for the operator to validate the manifest"},
                health("health/sandboxmanifest.lua", ArgoCdFixtures.json(ArgoCdFixtures.sandboxManifest(null, null))));
        // The operator's own message already names the digest: not repeated.
        assertArrayEquals(new String[] {"Healthy", "valid; digest " + ArgoCdFixtures.DIGEST},
                health("health/sandboxmanifest.lua", ArgoCdFixtures.json(ArgoCdFixtures.sandboxManifest(true, "valid; digest " + ArgoCdFixtures.DIGEST))));
        assertArrayEquals(new String[] {"Healthy", "valid (digest " + ArgoCdFixtures.DIGEST + ")"},
                health("health/sandboxmanifest.lua", ArgoCdFixtures.json(ArgoCdFixtures.sandboxManifest(true, "valid"))));
        assertArrayEquals(new String[] {"Degraded", "invalid: spec.entries['../outside']: escapes the workspace with '..'"},
                health("health/sandboxmanifest.lua", ArgoCdFixtures.json(ArgoCdFixtures.sandboxManifest(false,
                        "invalid: spec.entries['../outside']: escapes the workspace with '..'"))));
        SandboxManifest stale = ArgoCdFixtures.sandboxManifest(true, "valid");
        stale.getMetadata().setGeneration(2L);
        assertEquals("Progressing", health("health/sandboxmanifest.lua", ArgoCdFixtures.json(stale))[0]);
    }

    /**
     * Every reason the promotion gate can write maps to its Argo CD health: Active → Healthy; Invalid and
     * EvaluationFailed → Degraded (even while an older version still serves: git is not what runs); Valid, Evaluating
     * and HarnessUnavailable (Ready Unknown: the operator retries) → Progressing. The message names the reason and the operator's detail.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(AgentReason.class)
    void agentHealthFollowsThePromotionGateForEveryReason(AgentReason reason) throws IOException {
        String[] hs = health("health/agent.lua", ArgoCdFixtures.json(ArgoCdFixtures.agent(reason, "the detail", null)));
        String expected = switch (reason) {
            case Active -> "Healthy";
            case Invalid, EvaluationFailed -> "Degraded";
            case Valid, Evaluating, HarnessUnavailable -> "Progressing";
        };
        assertEquals(expected, hs[0], reason.name());
        assertEquals(reason.name() + ": the detail", hs[1]);
        assertEquals(expected, health("health/agent.lua", ArgoCdFixtures.json(ArgoCdFixtures.agent(reason, null, null)))[0]);
    }

    @Test
    void agentHealthNamesTheServingVersionAndWaitsForTheOperator() throws IOException {
        String v1 = "sha256:" + "1".repeat(64);
        assertArrayEquals(new String[] {"Progressing", "Waiting for the operator to register the agent"},
                health("health/agent.lua", ArgoCdFixtures.json(ArgoCdFixtures.agent(null, null, null))));
        assertArrayEquals(new String[] {"Healthy", "Active: version " + v1 + " serves runs"},
                health("health/agent.lua", ArgoCdFixtures.json(ArgoCdFixtures.agent(AgentReason.Active,
                        "version " + v1 + " serves runs", v1))));
        assertArrayEquals(new String[] {"Healthy", "Active: golden set passed (version " + v1 + ")"},
                health("health/agent.lua", ArgoCdFixtures.json(ArgoCdFixtures.agent(AgentReason.Active,
                        "golden set passed", v1))));
        assertArrayEquals(new String[] {"Degraded", "EvaluationFailed: 2 of 3 cases failed: refund-over-limit "
                        + "(still serving " + v1 + ")"},
                health("health/agent.lua", ArgoCdFixtures.json(ArgoCdFixtures.agent(AgentReason.EvaluationFailed,
                        "2 of 3 cases failed: refund-over-limit", v1))));
        Agent stale = ArgoCdFixtures.agent(AgentReason.Active, "ok", v1);
        stale.getMetadata().setGeneration(2L);
        assertArrayEquals(new String[] {"Progressing", "Waiting for the operator to observe the latest spec"},
                health("health/agent.lua", ArgoCdFixtures.json(stale)));
    }

    /** Cancel is offered until the Succeeded condition is True or False: for every reason of the crds enum. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(AgentRunReason.class)
    void cancelIsOfferedOnlyWhileTheRunCanBeCancelled(AgentRunReason reason) throws IOException {
        LuaValue actions = ArgoLua.run(lua("actions/agentrun-discovery.lua"), agentRun(reason));
        assertEquals(reason.finished(), actions.get("cancel").get("disabled").toboolean(), reason.name());
        assertFalse(ArgoLua.run(lua("actions/agentrun-discovery.lua"), agentRun(null)).get("cancel").get("disabled").toboolean(),
                "a run with no status yet can be cancelled");
    }

    @Test
    void cancelIsNotOfferedTwice() throws IOException {
        AgentRun run = ArgoCdFixtures.agentRun(AgentRunReason.Running, null);
        run.getSpec().setCancel(true);
        assertTrue(ArgoLua.run(lua("actions/agentrun-discovery.lua"), ArgoCdFixtures.json(run)).get("cancel").get("disabled").toboolean());
    }

    @Test
    void theCancelActionSetsSpecCancelAndChangesNothingElse() throws IOException {
        JsonNode running = agentRun(AgentRunReason.Running);
        JsonNode after = ArgoLua.toJson(ArgoLua.run(lua("actions/agentrun-cancel.lua"), running));
        ObjectNode expected = running.deepCopy();
        ((ObjectNode) expected.path("spec")).put("cancel", true);
        assertEquals(expected, after);
    }

    @Test
    void theCancelActionWorksOnARunWithNoStatusAndLeavesAFinishedRunAlone() throws IOException {
        JsonNode fresh = agentRun(null);
        assertTrue(ArgoLua.toJson(ArgoLua.run(lua("actions/agentrun-cancel.lua"), fresh)).path("spec").path("cancel").asBoolean());
        for (AgentRunReason reason : AgentRunReason.values()) {
            if (reason.finished()) {
                JsonNode finished = agentRun(reason);
                assertEquals(finished, ArgoLua.toJson(ArgoLua.run(lua("actions/agentrun-cancel.lua"), finished)), reason.name());
            }
        }
        ObjectNode noSpec = (ObjectNode) agentRun(null);
        noSpec.remove("spec");
        assertTrue(ArgoLua.toJson(ArgoLua.run(lua("actions/agentrun-cancel.lua"), noSpec)).path("spec").path("cancel").asBoolean());
    }

    @Test
    void theArgocdCmSnippetEmbedsExactlyTheTestedLuaFiles() throws IOException {
        assertEquals(ArgoCdConfigSnippet.generate(ARGOCD), Files.readString(ARGOCD.resolve("argocd-cm-patch.yaml")),
                "examples/argocd/argocd-cm-patch.yaml is stale: run `make generate`");
        JsonNode data = YAML.readTree(ARGOCD.resolve("argocd-cm-patch.yaml").toFile()).path("data");
        assertEquals(lua("health/agentrun.lua"), data.path("resource.customizations.health.agentharness.dev_AgentRun").asText());
        assertEquals(lua("health/sandboxmanifest.lua"), data.path("resource.customizations.health.agentharness.dev_SandboxManifest").asText());
        assertEquals(lua("health/agent.lua"), data.path("resource.customizations.health.agentharness.dev_Agent").asText());
        JsonNode actions = YAML.readTree(data.path("resource.customizations.actions.agentharness.dev_AgentRun").asText());
        assertEquals(lua("actions/agentrun-discovery.lua"), actions.path("discovery.lua").asText());
        assertEquals("cancel", actions.path("definitions").get(0).path("name").asText());
        assertEquals(lua("actions/agentrun-cancel.lua"), actions.path("definitions").get(0).path("action.lua").asText());
        // And what Argo CD would read from the ConfigMap runs: a health check straight out of the snippet.
        LuaValue hs = ArgoLua.run(data.path("resource.customizations.health.agentharness.dev_AgentRun").asText(), agentRun(null));
        assertEquals("Progressing", hs.get("status").tojstring());
    }

    @Test
    void theApplicationInstallsThePublishedChartWithServerSideApply() throws IOException {
        JsonNode app = YAML.readTree(ARGOCD.resolve("application.yaml").toFile());
        assertEquals("argoproj.io/v1alpha1", app.path("apiVersion").asText());
        assertEquals("Application", app.path("kind").asText());
        // The release's OCI chart (its exact coordinates and version: release/ReleaseWorkflowTest); "." = the chart.
        assertEquals("oci://ghcr.io/agent-harness/charts/agent-harness", app.path("spec").path("source").path("repoURL").asText());
        assertEquals(".", app.path("spec").path("source").path("path").asText());
        assertFalse(app.path("spec").path("source").path("helm").path("valuesObject").isMissingNode());
        String syncOptions = app.path("spec").path("syncPolicy").path("syncOptions").toString();
        assertTrue(syncOptions.contains("ServerSideApply=true"), "CRDs exceed the client-side apply annotation limit");
        assertTrue(syncOptions.contains("CreateNamespace=true"));
        JsonNode values = app.path("spec").path("source").path("helm").path("valuesObject");
        assertTrue(values.path("secrets").path("database").path("existingSecret").isTextual(), "secrets by name only");
    }
}
