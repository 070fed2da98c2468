package dev.agentharness.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.RunStatus;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.api.Usage;
import dev.agentharness.runtime.evals.InlineEvaluator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evaluators declared per agent: Maya's built-ins, and {@code evaluators:} in agent files, parsed by the graders the
 * datasets use; a bad declaration stops the boot naming the file and the field.
 */
class AgentEvaluatorsTest {

    @TempDir
    Path agentsDir;

    private AgentRegistry load(String yaml) throws IOException {
        Files.writeString(agentsDir.resolve("researcher.yaml"), yaml);
        return new AgentRegistry(ToolRegistry.builtIn(), Optional.of(agentsDir));
    }

    private String failureFor(String evaluators) {
        return assertThrows(AgentDefinitionException.class, () -> load("""
                name: researcher
                instructions: You research.
                evaluators:
                """ + evaluators)).getMessage();
    }

    private static RunTranscript answered(String reply, int turns) {
        return new RunTranscript("run_1", "ses_1", "maya", "m", RunStatus.SUCCEEDED, null, "hi", reply, List.of(),
                List.of(), List.of(), turns, Usage.ZERO, 10L, "t", null, null);
    }

    @Test
    void mayaHasDeterministicBuiltInEvaluators_billingNone() {
        AgentRegistry registry = new AgentRegistry(ToolRegistry.builtIn(), Optional.empty());
        List<InlineEvaluator> maya = registry.evaluators("maya");
        assertEquals(List.of("reply_length", "no_card_number", "turns"), maya.stream().map(InlineEvaluator::name).toList());
        assertEquals(List.of("reply_max_length", "reply_regex", "max_turns"),
                maya.stream().map(e -> e.grader().kind()).toList());
        assertTrue(maya.stream().allMatch(e -> e.sample() == 1), "deterministic and free: every run");
        assertEquals(List.of(), registry.evaluators("billing"));
        assertEquals(List.of(), registry.evaluators("nobody"));

        InlineEvaluator cards = maya.get(1);
        assertTrue(cards.grader().grade(answered("Your plan is Pro, order 12345.", 2)).passed());
        assertFalse(cards.grader().grade(answered("Card 4111 1111 1111 1111 is on file.", 2)).passed());
        assertFalse(cards.grader().grade(answered("card 4111-1111-1111-1111", 2)).passed());
        assertFalse(cards.grader().grade(answered("card 4111111111111111.", 2)).passed());
        assertTrue(maya.get(0).grader().grade(answered("short", 2)).passed());
        assertFalse(maya.get(0).grader().grade(answered("x".repeat(1201), 2)).passed());
        assertFalse(maya.get(2).grader().grade(answered("ok", 7)).passed());
    }

    @Test
    void yamlEvaluatorsAreParsedWithTheirSample() throws IOException {
        AgentRegistry registry = load("""
                name: researcher
                instructions: You research.
                tools: [lookup_account]
                evaluators:
                  - name: looked_up
                    tools_called: [{name: lookup_account, arguments: {account_id: {$regex: "^ACME-"}}}]
                  - {name: short, reply_max_length: 500}
                  - name: helpful
                    judge: {rubric: 'Mentions "plan".', threshold: 0.5}
                    sample: 0.25
                """);
        List<InlineEvaluator> evaluators = registry.evaluators("researcher");
        assertEquals(List.of("looked_up", "short", "helpful"), evaluators.stream().map(InlineEvaluator::name).toList());
        assertEquals(List.of("tools_called", "reply_max_length", "judge"),
                evaluators.stream().map(e -> e.grader().kind()).toList());
        assertEquals(0.25, evaluators.get(2).sample());
        assertEquals("short", evaluators.get(1).grader().name(), "scores are stored under the declared name");
        assertEquals(List.of(), load("""
                name: researcher
                instructions: You research.
                """).evaluators("researcher"), "no evaluators: none");
    }

    @Test
    void badEvaluatorsNameTheFileAndTheField() {
        String unknown = failureFor("  - {name: tone, reply_sounds_nice: true}\n");
        assertTrue(unknown.startsWith("agents") || unknown.contains("researcher.yaml: "), unknown);
        assertTrue(unknown.contains("researcher.yaml: evaluators[0].reply_sounds_nice"), unknown);

        String sample = failureFor("  - {name: short, reply_max_length: 10, sample: 2}\n");
        assertTrue(sample.contains("researcher.yaml: evaluators[0].sample"), sample);

        String name = failureFor("  - {reply_max_length: 10}\n");
        assertTrue(name.contains("researcher.yaml: evaluators[0].name"), name);

        String twice = failureFor("  - {name: short, reply_max_length: 10}\n  - {name: short, reply_max_length: 20}\n");
        assertTrue(twice.contains("researcher.yaml: evaluators[1].name"), twice);

        String config = failureFor("  - {name: short, reply_max_length: -3}\n");
        assertTrue(config.contains("researcher.yaml: evaluators[0].reply_max_length"), config);

        String notAList = assertThrows(AgentDefinitionException.class, () -> load("""
                name: researcher
                instructions: You research.
                evaluators: {name: short}
                """)).getMessage();
        assertTrue(notAList.contains("researcher.yaml: evaluators: must be a list"), notAList);
    }
}
