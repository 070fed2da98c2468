package dev.agentharness.deploy.argocd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentharness.deploy.testing.RepositoryFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.luaj.vm2.LuaValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Argo CD health checks and the cancel action, executed by a real Lua engine on sample objects. */
class ArgoCdCustomizationsTest {

    private static final Path ARGOCD = RepositoryFiles.resolve("examples/argocd");
    private static final YAMLMapper YAML = new YAMLMapper();

    private static String lua(String file) throws IOException {
        return Files.readString(ARGOCD.resolve(file));
    }

    private static JsonNode agentRun(String status) throws IOException {
        return YAML.readTree("""
                apiVersion: agentharness.dev/v1alpha1
                kind: AgentRun
                metadata: {name: hello, namespace: team-a, generation: 1}
                spec: {agent: maya, input: "Hi, I am ACME-1002 and my card was declined"}
                """ + (status.isBlank() ? "" : "status:\n" + status.indent(2)));
    }

    private static String[] health(String script, JsonNode obj) throws IOException {
        LuaValue hs = ArgoLua.run(lua(script), obj);
        return new String[] {hs.get("status").tojstring(), hs.get("message").isnil() ? null : hs.get("message").tojstring()};
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no status at all (just applied)        | ''                                                                                                                                      | Progressing | Waiting for the operator to submit the run
            status without conditions              | 'phase: Pending'                                                                                                                        | Progressing | Phase Pending
            Succeeded Unknown while running        | 'conditions: [{type: Succeeded, status: Unknown, reason: Running, message: "turn 2 of 10"}]'                                            | Progressing | Running: turn 2 of 10
            Unknown while the harness is down      | 'conditions: [{type: Succeeded, status: Unknown, reason: HarnessUnavailable, message: "harness unreachable, retrying in 30s"}]'         | Progressing | HarnessUnavailable: harness unreachable, retrying in 30s
            Unknown without a message              | 'conditions: [{type: Succeeded, status: Unknown, reason: Queued}]'                                                                      | Progressing | Queued
            Succeeded True                         | 'conditions: [{type: Succeeded, status: "True", reason: Succeeded, message: "run run_01 succeeded in 3 turns"}]'                        | Healthy     | run run_01 succeeded in 3 turns
            Succeeded True with no message         | 'conditions: [{type: Succeeded, status: "True", reason: Succeeded}]'                                                                    | Healthy     | Succeeded
            Succeeded False                        | 'conditions: [{type: Succeeded, status: "False", reason: MaxTurnsExceeded, message: "the agent used all 10 turns"}]'                     | Degraded    | MaxTurnsExceeded: the agent used all 10 turns
            cancelled                              | 'conditions: [{type: Succeeded, status: "False", reason: Cancelled, message: "cancelled by spec.cancel"}]'                               | Degraded    | Cancelled: cancelled by spec.cancel
            invalid spec                           | 'conditions: [{type: Succeeded, status: "False", reason: ValidationFailed, message: "sandboxManifestRef: SandboxManifest x not found"}]' | Degraded    | ValidationFailed: sandboxManifestRef: SandboxManifest x not found
            other conditions only                  | 'conditions: [{type: Ready, status: "True"}]'                                                                                           | Progressing | Waiting for the run to start
            a stale status (older generation)      | '{observedGeneration: 0, conditions: [{type: Succeeded, status: "True", reason: Succeeded}]}'                                           | Progressing | Waiting for the operator to observe the latest spec
            """)
    void agentRunHealth(String description, String status, String expectedStatus, String expectedMessage) throws IOException {
        String[] hs = health("health/agentrun.lua", agentRun(status));
        assertEquals(expectedStatus, hs[0], description);
        assertEquals(expectedMessage, hs[1], description);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no status                   | ''                                                                                            | Progressing | Waiting for the operator to validate the manifest
            Ready True with its digest  | '{digest: "sha256:ab12", conditions: [{type: Ready, status: "True", reason: Valid, message: "manifest is valid"}]}' | Healthy | manifest is valid (digest sha256:ab12)
            Ready False names the fault | 'conditions: [{type: Ready, status: "False", reason: Invalid, message: "entries./etc/passwd: absolute paths are not allowed"}]' | Degraded | entries./etc/passwd: absolute paths are not allowed
            """)
    void sandboxManifestHealth(String description, String status, String expectedStatus, String expectedMessage) throws IOException {
        JsonNode obj = YAML.readTree("""
                apiVersion: agentharness.dev/v1alpha1
                kind: SandboxManifest
                metadata: {name: workspace, generation: 1}
                spec: {root: /workspace}
                """ + (status.isBlank() ? "" : "status:\n" + status.indent(2)));
        String[] hs = health("health/sandboxmanifest.lua", obj);
        assertEquals(expectedStatus, hs[0], description);
        assertEquals(expectedMessage, hs[1], description);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no status                  | ''                                                                                    | false
            running                    | 'conditions: [{type: Succeeded, status: Unknown, reason: Running}]'                   | false
            succeeded                  | 'conditions: [{type: Succeeded, status: "True", reason: Succeeded}]'                  | true
            failed                     | 'conditions: [{type: Succeeded, status: "False", reason: Failed}]'                    | true
            """)
    void cancelIsOfferedOnlyWhileTheRunCanBeCancelled(String description, String status, boolean disabled) throws IOException {
        LuaValue actions = ArgoLua.run(lua("actions/agentrun-discovery.lua"), agentRun(status));
        assertEquals(disabled, actions.get("cancel").get("disabled").toboolean(), description);
    }

    @Test
    void cancelIsNotOfferedTwice() throws IOException {
        ObjectNode run = (ObjectNode) agentRun("conditions: [{type: Succeeded, status: Unknown, reason: Running}]");
        ((ObjectNode) run.path("spec")).put("cancel", true);
        assertTrue(ArgoLua.run(lua("actions/agentrun-discovery.lua"), run).get("cancel").get("disabled").toboolean());
    }

    @Test
    void theCancelActionSetsSpecCancelAndChangesNothingElse() throws IOException {
        JsonNode running = agentRun("conditions: [{type: Succeeded, status: Unknown, reason: Running}]");
        JsonNode after = ArgoLua.toJson(ArgoLua.run(lua("actions/agentrun-cancel.lua"), running));
        ObjectNode expected = running.deepCopy();
        ((ObjectNode) expected.path("spec")).put("cancel", true);
        assertEquals(expected, after);
    }

    @Test
    void theCancelActionWorksOnARunWithNoStatusAndLeavesAFinishedRunAlone() throws IOException {
        JsonNode fresh = agentRun("");
        assertTrue(ArgoLua.toJson(ArgoLua.run(lua("actions/agentrun-cancel.lua"), fresh)).path("spec").path("cancel").asBoolean());
        JsonNode finished = agentRun("conditions: [{type: Succeeded, status: \"True\", reason: Succeeded}]");
        assertEquals(finished, ArgoLua.toJson(ArgoLua.run(lua("actions/agentrun-cancel.lua"), finished)));
        ObjectNode noSpec = (ObjectNode) agentRun("");
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
        JsonNode actions = YAML.readTree(data.path("resource.customizations.actions.agentharness.dev_AgentRun").asText());
        assertEquals(lua("actions/agentrun-discovery.lua"), actions.path("discovery.lua").asText());
        assertEquals("cancel", actions.path("definitions").get(0).path("name").asText());
        assertEquals(lua("actions/agentrun-cancel.lua"), actions.path("definitions").get(0).path("action.lua").asText());
        // And what Argo CD would read from the ConfigMap runs: a health check straight out of the snippet.
        LuaValue hs = ArgoLua.run(data.path("resource.customizations.health.agentharness.dev_AgentRun").asText(), agentRun(""));
        assertEquals("Progressing", hs.get("status").tojstring());
    }

    @Test
    void theApplicationInstallsTheChartWithServerSideApply() throws IOException {
        JsonNode app = YAML.readTree(ARGOCD.resolve("application.yaml").toFile());
        assertEquals("argoproj.io/v1alpha1", app.path("apiVersion").asText());
        assertEquals("Application", app.path("kind").asText());
        assertEquals("helm/agent-harness", app.path("spec").path("source").path("path").asText());
        assertFalse(app.path("spec").path("source").path("helm").path("valuesObject").isMissingNode());
        String syncOptions = app.path("spec").path("syncPolicy").path("syncOptions").toString();
        assertTrue(syncOptions.contains("ServerSideApply=true"), "CRDs exceed the client-side apply annotation limit");
        assertTrue(syncOptions.contains("CreateNamespace=true"));
        JsonNode values = app.path("spec").path("source").path("helm").path("valuesObject");
        assertTrue(values.path("secrets").path("database").path("existingSecret").isTextual(), "secrets by name only");
    }
}
