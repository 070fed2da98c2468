package dev.agentharness.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.agents.AgentSpecValidation;
import dev.agentharness.runtime.evals.Graders;
import dev.agentharness.runtime.model.ModelSettings;
import dev.agentharness.runtime.runs.AgentWiring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agent files in the one agent format — an {@code Agent} custom resource, as {@code kubectl apply} takes it — beside
 * legacy flat files; every agent (built-in, legacy, resource) has a version computed as for {@code PUT /agents}.
 */
class AgentResourceFileTest {

    @TempDir
    Path temp;
    private Path agentsDir;
    private final AgentSpecs specs = new AgentSpecs(AgentWiring.harnessTools(), GuardrailRegistry.builtIn(),
            Graders.withoutJudge());

    @BeforeEach
    void createAgentsDirectory() throws IOException {
        agentsDir = Files.createDirectory(temp.resolve("agents"));
    }

    private void write(String fileName, String yaml) throws IOException {
        Files.writeString(agentsDir.resolve(fileName), yaml);
    }

    private AgentRegistry load() {
        return new AgentRegistry(specs, Optional.of(agentsDir));
    }

    private String failureFor(String fileName, String yaml) throws IOException {
        write(fileName, yaml);
        return assertThrows(AgentDefinitionException.class, this::load).getMessage();
    }

    @Test
    void aResourceFile_isLoadedWithGuardrailsSandboxToolsEvaluatorsAndVersion() throws IOException {
        write("analyst.yaml", """
                apiVersion: agentharness.dev/v1alpha1
                kind: Agent
                metadata:
                  name: analyst
                  namespace: ignored-here
                  labels: {team: data}
                spec:
                  description: Counts things in the sandbox.
                  instructions: You analyse files.
                  model: gpt-5.4
                  modelSettings: {temperature: 0.2, topP: 1, maxOutputTokens: 800}
                  tools: [lookup_account, exec_command]
                  handoffs: [maya, writer]
                  inputGuardrails: [no_card_numbers]
                  outputGuardrails: [no_secrets]
                  sandboxManifest: {}
                  evaluators:
                    - {name: short, reply_max_length: 500}
                  evaluation:
                    goldenSet: {configMapKeyRef: {name: golden, key: golden.jsonl}}
                """);
        write("writer.yaml", """
                name: writer
                instructions: You write.
                """);

        AgentRegistry registry = load();

        assertEquals(List.of("maya", "billing", "analyst", "writer"), registry.names());
        Agent analyst = registry.find("analyst").orElseThrow();
        assertEquals("You analyse files.", analyst.instructions());
        assertEquals("Counts things in the sandbox.", analyst.handoffDescription());
        assertEquals("gpt-5.4", analyst.model());
        assertEquals(new ModelSettings(0.2, 1.0, 800, null), analyst.modelSettings());
        assertEquals(List.of("lookup_account", "exec_command"), analyst.tools().stream().map(FunctionTool::name)
                .toList());
        assertEquals(List.of("maya", "writer"), analyst.handoffs());
        assertEquals(List.of("no_card_numbers"), analyst.inputGuardrails().stream().map(Guardrail::name).toList());
        assertEquals(List.of("no_secrets"), analyst.outputGuardrails().stream().map(Guardrail::name).toList());
        assertEquals(List.of("short"), registry.evaluators("analyst").stream().map(e -> e.name()).toList());
        assertEquals(Optional.of("file"), registry.source("analyst"));
        Map<String, Object> spec = registry.spec("analyst").orElseThrow();
        assertFalse(spec.containsKey("evaluation"), "the promotion gate is not part of the version");
        assertTrue(spec.containsKey("sandboxManifest"));
        assertEquals(Optional.of(AgentSpecValidation.versionOf(spec)), registry.version("analyst"));
        assertTrue(registry.version("writer").orElseThrow().startsWith("sha256:"));
        assertEquals(Optional.of("builtin"), registry.source("maya"));
        assertTrue(registry.version("nobody").isEmpty());
    }

    @Test
    void theSameAgentInBothFormats_hasTheSameVersion() throws IOException {
        Path legacyDir = Files.createDirectory(temp.resolve("legacy"));
        Files.writeString(legacyDir.resolve("helper.yaml"), """
                name: helper
                handoff_description: Helps.
                instructions: Help.
                tools: [lookup_account]
                handoffs: [billing]
                model_settings: {temperature: 1}
                evaluators:
                  - {name: turns, max_turns: 4}
                """);
        write("helper.yaml", """
                apiVersion: agentharness.dev/v1alpha1
                kind: Agent
                metadata: {name: helper}
                spec:
                  instructions: Help.
                  description: Helps.
                  tools: [lookup_account]
                  handoffs: [billing]
                  modelSettings: {temperature: 1.0}
                  evaluators:
                    - {name: turns, max_turns: 4}
                """);
        String legacy = new AgentRegistry(specs, Optional.of(legacyDir)).version("helper").orElseThrow();
        assertEquals(legacy, load().version("helper").orElseThrow());
    }

    @Test
    void builtInVersions_areStable_andTheirSpecRebuildsTheAgent() {
        AgentRegistry one = new AgentRegistry(specs, Optional.empty());
        AgentRegistry two = new AgentRegistry(specs, Optional.empty());
        assertEquals(one.version("maya"), two.version("maya"));
        AgentSpecs.Built maya = specs.build("maya", one.spec("maya").orElseThrow());
        Agent original = one.find("maya").orElseThrow();
        assertEquals(original.instructions(), maya.agent().instructions());
        assertEquals(original.handoffs(), maya.agent().handoffs());
        assertEquals(original.handoffDescription(), maya.agent().handoffDescription());
        assertEquals(List.of("lookup_account", "draft_reply"), maya.agent().tools().stream().map(FunctionTool::name)
                .toList());
        assertEquals(List.of("reply_length", "no_card_number", "turns"), maya.evaluators().stream()
                .map(e -> e.name()).toList());
        assertNull(maya.sandboxManifest());
    }

    @Test
    void resourceFiles_areValidatedByTheSharedValidator_namingFileAndField() throws IOException {
        String header = "apiVersion: agentharness.dev/v1alpha1\nkind: Agent\nmetadata: {name: bad}\n";
        assertEquals("agents/bad.yaml: spec.instructions: required and must not be blank",
                failureFor("bad.yaml", header + "spec: {description: none}\n"));
        assertTrue(failureFor("bad.yaml", header + "spec: {instructions: x, tools: [launch]}\n")
                .startsWith("agents/bad.yaml: spec.tools[0]: unknown tool 'launch'"));
        assertTrue(failureFor("bad.yaml", header + "spec: {instructions: x, inputGuardrails: [nah]}\n")
                .startsWith("agents/bad.yaml: spec.inputGuardrails[0]: unknown guardrail 'nah'"));
        assertTrue(failureFor("bad.yaml", header + "spec: {instructions: x, handoffs: [nobody]}\n")
                .startsWith("agents/bad.yaml: spec.handoffs[0]: unknown agent 'nobody'"));
        assertTrue(failureFor("bad.yaml", header + "spec: {instructions: x, sandboxManifestRef: {name: m}}\n")
                .startsWith("agents/bad.yaml: spec.sandboxManifestRef: only the Kubernetes operator"));
        assertTrue(failureFor("bad.yaml", header + "spec: {instructions: x, evaluators: [{name: e, nope: 1}]}\n")
                .startsWith("agents/bad.yaml: spec.evaluators[0].nope"));
        assertEquals("agents/bad.yaml: spec: must be an object with at least instructions",
                failureFor("bad.yaml", header));
        assertEquals("agents/bad.yaml: kind: must be Agent", failureFor("bad.yaml",
                "apiVersion: agentharness.dev/v1alpha1\nkind: AgentRun\nmetadata: {name: bad}\nspec: {}\n"));
        assertEquals("agents/bad.yaml: apiVersion: must be agentharness.dev/v1alpha1", failureFor("bad.yaml",
                "apiVersion: v1\nkind: Agent\nmetadata: {name: bad}\nspec: {instructions: x}\n"));
        assertEquals("agents/bad.yaml: metadata.name: required and must not be blank", failureFor("bad.yaml",
                "apiVersion: agentharness.dev/v1alpha1\nkind: Agent\nmetadata: {}\nspec: {instructions: x}\n"));
        assertTrue(failureFor("bad.yaml", "apiVersion: agentharness.dev/v1alpha1\nkind: Agent\n"
                + "metadata: {name: Bad}\nspec: {instructions: x}\n").startsWith("agents/bad.yaml: metadata.name: "));
        assertTrue(failureFor("bad.yaml", header + "spec: {instructions: x}\nstatus: {}\n")
                .startsWith("agents/bad.yaml: status: unknown field"));
    }

    @Test
    void resourceFiles_mayNotCycle_norReuseABuiltInName() throws IOException {
        write("a.yaml", """
                apiVersion: agentharness.dev/v1alpha1
                kind: Agent
                metadata: {name: a}
                spec: {instructions: x, handoffs: [b]}
                """);
        write("b.yaml", """
                apiVersion: agentharness.dev/v1alpha1
                kind: Agent
                metadata: {name: b}
                spec: {instructions: x, handoffs: [a]}
                """);
        String cycle = assertThrows(AgentDefinitionException.class, this::load).getMessage();
        assertTrue(cycle.startsWith("agents/a.yaml: spec.handoffs[0]: handoff cycle a → b → a"), cycle);
        Files.delete(agentsDir.resolve("a.yaml"));
        Files.delete(agentsDir.resolve("b.yaml"));
        assertEquals("agents/maya.yaml: metadata.name: duplicate agent name 'maya' (already defined by built-in)",
                failureFor("maya.yaml", """
                        apiVersion: agentharness.dev/v1alpha1
                        kind: Agent
                        metadata: {name: maya}
                        spec: {instructions: x}
                        """));
    }
}
