package dev.agentharness.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.runtime.model.ModelSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentDefinitionLoaderTest {

    @TempDir
    Path temp;
    private Path agentsDir;
    private final ToolRegistry tools = ToolRegistry.builtIn();

    @BeforeEach
    void createAgentsDirectory() throws IOException {
        agentsDir = Files.createDirectory(temp.resolve("agents"));
    }

    private void write(String fileName, String yaml) throws IOException {
        Files.writeString(agentsDir.resolve(fileName), yaml);
    }

    private AgentRegistry load() {
        return new AgentRegistry(tools, Optional.of(agentsDir));
    }

    private String failureFor(String fileName, String yaml) throws IOException {
        write(fileName, yaml);
        return assertThrows(AgentDefinitionException.class, this::load).getMessage();
    }

    @Test
    void validFilesAreLoadedBesideTheBuiltIns() throws IOException {
        write("researcher.yaml", """
                name: researcher
                handoff_description: Digs into accounts.
                instructions: |
                  You research accounts.
                model: gpt-5.4
                tools: [lookup_account, draft_reply]
                handoffs: [maya, writer]
                model_settings:
                  temperature: 0.2
                  top_p: 1
                  max_output_tokens: 800
                """);
        write("writer.yml", """
                name: writer
                instructions: You write.
                handoffs: [researcher]
                """);
        write("notes.txt", "not an agent");

        AgentRegistry registry = load();

        assertEquals(List.of("maya", "billing", "researcher", "writer"), registry.names());
        Agent researcher = registry.find("researcher").orElseThrow();
        assertEquals("You research accounts.\n", researcher.instructions());
        assertEquals("Digs into accounts.", researcher.handoffDescription());
        assertEquals("gpt-5.4", researcher.model());
        assertEquals(List.of("lookup_account", "draft_reply"), researcher.tools().stream().map(FunctionTool::name).toList());
        assertEquals(List.of("maya", "writer"), researcher.handoffs());
        assertEquals(new ModelSettings(0.2, 1.0, 800, null), researcher.modelSettings());
        Agent writer = registry.find("writer").orElseThrow();
        assertEquals(null, writer.model(), "no model = the run's default");
        assertEquals(ModelSettings.DEFAULTS, writer.modelSettings());
        assertTrue(registry.find("nobody").isEmpty());
    }

    @Test
    void theExampleAgentsInTheRepositoryAreValid() {
        Path examples = Path.of("..", "examples", "agents");

        AgentRegistry registry = new AgentRegistry(dev.agentharness.runtime.runs.AgentWiring.harnessTools(), Optional.of(examples));

        Agent analyst = registry.find("analyst").orElseThrow();
        assertEquals(List.of("write_file", "exec_command", "read_file", "list_files"),
                analyst.tools().stream().map(FunctionTool::name).toList());

        Agent researcher = registry.find("researcher").orElseThrow();
        assertEquals(List.of("billing"), researcher.handoffs());
        assertEquals(List.of("lookup_account"), researcher.tools().stream().map(FunctionTool::name).toList());
    }

    @Test
    void aYamlSyntaxErrorNamesTheFileAndLine() throws IOException {
        String message = failureFor("broken.yaml", "name: broken\ninstructions: [unclosed\n");

        assertTrue(message.startsWith("agents/broken.yaml: YAML syntax error at line "), message);
    }

    @Test
    void anUnknownFieldIsNamed() throws IOException {
        assertEquals("agents/a.yaml: temperature: unknown field (known: evaluators, handoff_description, handoffs, instructions,"
                        + " model, model_settings, name, tools)",
                failureFor("a.yaml", "name: a\ninstructions: x\ntemperature: 0.3\n"));
    }

    @Test
    void anUnknownModelSettingIsNamed() throws IOException {
        assertEquals("agents/a.yaml: model_settings.top_k: unknown field (known: max_output_tokens, temperature, top_p)",
                failureFor("a.yaml", "name: a\ninstructions: x\nmodel_settings: {top_k: 3}\n"));
    }

    @Test
    void aBadModelSettingValueIsNamed() throws IOException {
        assertEquals("agents/a.yaml: model_settings.temperature: must be a number between 0.0 and 2.0",
                failureFor("a.yaml", "name: a\ninstructions: x\nmodel_settings: {temperature: hot}\n"));
    }

    @Test
    void missingInstructionsAreNamed() throws IOException {
        assertEquals("agents/a.yaml: instructions: required and must not be blank",
                failureFor("a.yaml", "name: a\n"));
    }

    @Test
    void blankInstructionsAreNamed() throws IOException {
        assertEquals("agents/a.yaml: instructions: required and must not be blank",
                failureFor("a.yaml", "name: a\ninstructions: '   '\n"));
    }

    @Test
    void aMissingNameIsNamed() throws IOException {
        assertEquals("agents/a.yaml: name: required and must not be blank",
                failureFor("a.yaml", "instructions: x\n"));
    }

    @Test
    void aBadNameIsNamed() throws IOException {
        assertEquals("agents/a.yaml: name: 'Research Bot' must match [a-z][a-z0-9_-]*",
                failureFor("a.yaml", "name: Research Bot\ninstructions: x\n"));
    }

    @Test
    void anUnknownToolIsNamedWithItsIndexAndTheKnownTools() throws IOException {
        assertEquals("agents/researcher.yaml: tools[1]: unknown tool 'deploy' (known: draft_reply, lookup_account)",
                failureFor("researcher.yaml", "name: researcher\ninstructions: x\ntools: [lookup_account, deploy]\n"));
    }

    @Test
    void anUnknownHandoffTargetIsNamed() throws IOException {
        assertEquals("agents/a.yaml: handoffs[0]: unknown agent 'ghost' (known: a, billing, maya)",
                failureFor("a.yaml", "name: a\ninstructions: x\nhandoffs: [ghost]\n"));
    }

    @Test
    void aDuplicateAgentNameIsNamed() throws IOException {
        write("a.yaml", "name: helper\ninstructions: x\n");

        assertEquals("agents/b.yaml: name: duplicate agent name 'helper' (already defined by agents/a.yaml)",
                failureFor("b.yaml", "name: helper\ninstructions: y\n"));
    }

    @Test
    void aFileMayNotRedefineABuiltInAgent() throws IOException {
        assertEquals("agents/maya.yaml: name: duplicate agent name 'maya' (already defined by built-in)",
                failureFor("maya.yaml", "name: maya\ninstructions: y\n"));
    }

    @Test
    void aDuplicateKeyIsASyntaxError() throws IOException {
        String message = failureFor("a.yaml", "name: a\ninstructions: x\ninstructions: y\n");

        assertTrue(message.startsWith("agents/a.yaml: YAML syntax error"), message);
        assertTrue(message.contains("instructions"), message);
    }

    @Test
    void anEmptyFileIsRejected() throws IOException {
        String message = failureFor("a.yaml", "");

        assertTrue(message.startsWith("agents/a.yaml: expected a mapping of agent fields"), message);
    }

    @Test
    void aMissingDirectoryIsRejected() {
        AgentDefinitionException failure = assertThrows(AgentDefinitionException.class,
                () -> new AgentRegistry(tools, Optional.of(temp.resolve("nope"))));

        assertTrue(failure.getMessage().endsWith("nope: agents directory does not exist or is not a directory"));
    }
}
