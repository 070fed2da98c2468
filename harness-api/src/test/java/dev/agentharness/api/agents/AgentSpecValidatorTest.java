package dev.agentharness.api.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.api.agents.AgentSpecValidator.Source;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rule of the one agent spec format, each problem naming its field, and what a version is. */
class AgentSpecValidatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** JSON with single quotes for readability. */
    static Map<String, Object> json(String text) {
        try {
            return JSON.readValue(text.replace('\'', '"'), new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    /** A harness-like catalog: two tools, two guardrails, maya → billing, a tenant agent loop-a → loop-b. */
    record Catalog(Optional<Set<String>> tools, Optional<Set<String>> guardrails, Map<String, List<String>> agents,
                   Set<String> reserved) implements AgentCatalog {

        static Catalog harness() {
            return new Catalog(Optional.of(Set.of("lookup_account", "draft_reply")),
                    Optional.of(Set.of("no_card_numbers", "no_secrets")),
                    Map.of("maya", List.of("billing"), "billing", List.of(), "loop-a", List.of("loop-b"),
                            "loop-b", List.of("support")),
                    Set.of("maya", "billing"));
        }

        /** As the operator sees it: it cannot tell tools or guardrails. */
        static Catalog operator() {
            Catalog h = harness();
            return new Catalog(Optional.empty(), Optional.empty(), h.agents(), Set.of());
        }

        @Override
        public Optional<List<String>> handoffsOf(String agent) {
            return Optional.ofNullable(agents.get(agent));
        }

        @Override
        public Optional<String> reservedName(String name) {
            return reserved.contains(name) ? Optional.of("'" + name + "' is a built-in agent") : Optional.empty();
        }
    }

    static AgentSpecValidation harness(String name, String spec) {
        return AgentSpecValidator.validate(name, json(spec), Catalog.harness(), Source.HARNESS);
    }

    static List<String> fields(AgentSpecValidation validation) {
        return validation.problems().stream().map(AgentProblem::field).toList();
    }

    @Test
    void aFullSpec_isValid_andNormalised() {
        AgentSpecValidation v = harness("support", """
                {'instructions': 'Help.', 'description': '  First line.  ', 'model': ' gpt-5.4-mini ',
                 'modelSettings': {'temperature': 1, 'topP': 0.5, 'maxOutputTokens': 800},
                 'tools': [' lookup_account', 'draft_reply'], 'handoffs': ['maya'],
                 'inputGuardrails': ['no_card_numbers'], 'outputGuardrails': ['no_secrets'],
                 'sandboxManifest': {}, 'evaluators': [{'name': 'short', 'reply_max_length': 100}],
                 'evaluation': {'goldenSet': {'configMapKeyRef': {'name': 'golden', 'key': 'g.jsonl'}}}}""");
        assertTrue(v.valid(), v.summary());
        assertEquals("valid", v.summary());
        Map<String, Object> spec = v.spec();
        assertEquals("First line.", spec.get("description"));
        assertEquals("gpt-5.4-mini", spec.get("model"));
        assertEquals(Map.of("temperature", 1.0, "topP", 0.5, "maxOutputTokens", 800), spec.get("modelSettings"));
        assertEquals(List.of("lookup_account", "draft_reply"), spec.get("tools"));
        assertEquals(Map.of("goldenSet", Map.of("configMapKeyRef", Map.of("name", "golden", "key", "g.jsonl")),
                "threshold", 1.0), spec.get("evaluation"), "threshold defaults to 1.0");
        assertTrue(spec.containsKey("sandboxManifest"));
        assertFalse(v.registered().containsKey("evaluation"));
        assertTrue(v.version().matches("sha256:[0-9a-f]{64}"), v.version());
    }

    @Test
    void emptyOptionalFieldsAreOmitted() {
        AgentSpecValidation v = harness("support", "{'instructions': 'Help.', 'tools': [], 'description': ' '}");
        assertTrue(v.valid(), v.summary());
        assertEquals(Map.of("instructions", "Help."), v.spec());
    }

    static Stream<Arguments> badSpecs() {
        return Stream.of(
                Arguments.of("{}", "instructions", "required"),
                Arguments.of("{'instructions': '   '}", "instructions", "required"),
                Arguments.of("{'instructions': 5}", "instructions", "must be a string"),
                Arguments.of("{'instructions': 'x', 'colour': 'blue'}", "colour", "unknown field"),
                Arguments.of("{'instructions': 'x', 'description': 1}", "description", "must be a string"),
                Arguments.of("{'instructions': 'x', 'model': 'gpt 5'}", "model", "must match"),
                Arguments.of("{'instructions': 'x', 'modelSettings': 3}", "modelSettings", "must be an object"),
                Arguments.of("{'instructions': 'x', 'modelSettings': {'temperature': 3}}", "modelSettings.temperature",
                        "between"),
                Arguments.of("{'instructions': 'x', 'modelSettings': {'topP': -0.1}}", "modelSettings.topP", "between"),
                Arguments.of("{'instructions': 'x', 'modelSettings': {'maxOutputTokens': 1.5}}",
                        "modelSettings.maxOutputTokens", "positive integer"),
                Arguments.of("{'instructions': 'x', 'modelSettings': {'top_p': 1}}", "modelSettings.top_p",
                        "unknown field"),
                Arguments.of("{'instructions': 'x', 'tools': 'lookup_account'}", "tools", "list of names"),
                Arguments.of("{'instructions': 'x', 'tools': ['lookup_account', 'launch']}", "tools[1]",
                        "unknown tool 'launch'"),
                Arguments.of("{'instructions': 'x', 'tools': ['draft_reply', 'draft_reply']}", "tools[1]",
                        "listed twice"),
                Arguments.of("{'instructions': 'x', 'tools': ['']}", "tools[0]", "non-blank"),
                Arguments.of("{'instructions': 'x', 'inputGuardrails': ['nope']}", "inputGuardrails[0]",
                        "unknown guardrail 'nope'"),
                Arguments.of("{'instructions': 'x', 'outputGuardrails': ['no_secrets', 'nah']}", "outputGuardrails[1]",
                        "unknown guardrail 'nah'"),
                Arguments.of("{'instructions': 'x', 'handoffs': ['nobody']}", "handoffs[0]", "unknown agent 'nobody'"),
                Arguments.of("{'instructions': 'x', 'handoffs': ['Bad Name']}", "handoffs[0]", "not an agent name"),
                Arguments.of("{'instructions': 'x', 'handoffs': ['support']}", "handoffs[0]", "itself"),
                Arguments.of("{'instructions': 'x', 'handoffs': ['loop-a']}", "handoffs[0]", "handoff cycle"),
                Arguments.of("{'instructions': 'x', 'sandboxManifest': 3}", "sandboxManifest", "must be an object"),
                Arguments.of("{'instructions': 'x', 'sandboxManifestRef': {'name': 'm'}}", "sandboxManifestRef",
                        "only the Kubernetes operator"),
                Arguments.of("{'instructions': 'x', 'sandboxManifest': {}, 'sandboxManifestRef': {'name': 'm'}}",
                        "sandboxManifestRef", "not both"),
                Arguments.of("{'instructions': 'x', 'evaluators': {}}", "evaluators", "must be a list"),
                Arguments.of("{'instructions': 'x', 'evaluators': [3]}", "evaluators[0]", "must be an object"),
                Arguments.of("{'instructions': 'x', 'evaluators': [{'reply_max_length': 3}]}", "evaluators[0].name",
                        "required"),
                Arguments.of("{'instructions': 'x', 'evaluators': [{'name': 'a', 'max_turns': 1}, "
                        + "{'name': 'a', 'max_turns': 2}]}", "evaluators[1].name", "declared twice"),
                Arguments.of("{'instructions': 'x', 'evaluation': 1}", "evaluation", "must be an object"),
                Arguments.of("{'instructions': 'x', 'evaluation': {}}", "evaluation.goldenSet", "required"),
                Arguments.of("{'instructions': 'x', 'evaluation': {'goldenSet': {'configMapKeyRef': {'name': 'g', "
                        + "'key': 'k'}}, 'threshold': 1.5}}", "evaluation.threshold", "between"),
                Arguments.of("{'instructions': 'x', 'evaluation': {'goldenSet': {'configMapKeyRef': {'name': 'g', "
                        + "'key': 'k'}}, 'gate': 1}}", "evaluation.gate", "unknown field"),
                Arguments.of("{'instructions': 'x', 'evaluation': {'goldenSet': {'s3': {}}}}", "evaluation.goldenSet",
                        "exactly one of"),
                Arguments.of("{'instructions': 'x', 'evaluation': {'goldenSet': {'configMapKeyRef': {'name': 'G_'}}}}",
                        "evaluation.goldenSet.configMapKeyRef.name", "ConfigMap"),
                Arguments.of("{'instructions': 'x', 'evaluation': {'goldenSet': {'configMapKeyRef': {'name': 'g'}}}}",
                        "evaluation.goldenSet.configMapKeyRef.key", "key"),
                Arguments.of("{'instructions': 'x', 'evaluation': {'goldenSet': {'git': {'url': 'ftp://x', "
                        + "'path': 'a'}}}}", "evaluation.goldenSet.git.url", "URL"),
                Arguments.of("{'instructions': 'x', 'evaluation': {'goldenSet': {'git': {'url': "
                        + "'https://u:p@example.com/r.git', 'path': 'a'}}}}", "evaluation.goldenSet.git.url",
                        "credentials"),
                Arguments.of("{'instructions': 'x', 'evaluation': {'goldenSet': {'git': {'url': "
                        + "'https://example.com/r.git', 'path': '../a'}}}}", "evaluation.goldenSet.git.path",
                        "relative path"),
                Arguments.of("{'instructions': 'x', 'evaluation': {'goldenSet': {'git': {'url': "
                        + "'https://example.com/r.git', 'path': 'a'}}, 'baseline': {'git': {'url': 3}}}}",
                        "evaluation.baseline.git.url", "must be a string"));
    }

    @ParameterizedTest(name = "{1}: {2}")
    @MethodSource("badSpecs")
    void eachRule_namesItsField(String spec, String field, String message) {
        AgentSpecValidation v = harness("support", spec);
        assertFalse(v.valid());
        assertNull(v.spec());
        assertNull(v.version());
        assertNull(v.registered());
        AgentProblem problem = v.problems().stream().filter(p -> p.field().equals(field)).findFirst()
                .orElseThrow(() -> new AssertionError("no problem for " + field + ": " + v.problems()));
        assertTrue(problem.message().contains(message), problem + " should say " + message);
        assertTrue(v.summary().startsWith("invalid agent spec: ") && v.summary().contains(field), v.summary());
    }

    @Test
    void everyProblemIsCollected() {
        AgentSpecValidation v = harness("support", "{'colour': 1, 'tools': ['x'], 'handoffs': ['nobody'], "
                + "'modelSettings': {'temperature': 9}}");
        assertEquals(List.of("colour", "instructions", "modelSettings.temperature", "tools[0]", "handoffs[0]"),
                fields(v));
    }

    @Test
    void names_patternAndReserved() {
        assertEquals(List.of("name"), fields(harness("Support", "{'instructions': 'x'}")));
        assertEquals(List.of("name"), fields(harness("a".repeat(64), "{'instructions': 'x'}")));
        assertEquals(List.of("name"), fields(harness(null, "{'instructions': 'x'}")));
        AgentSpecValidation reserved = harness("maya", "{'instructions': 'x'}");
        assertEquals(List.of("name"), fields(reserved));
        assertTrue(reserved.problems().getFirst().message().contains("built-in"), reserved.summary());
        assertTrue(harness("a".repeat(63), "{'instructions': 'x'}").valid());
        AgentSpecValidation nullSpec = AgentSpecValidator.validate("support", null, Catalog.harness(), Source.HARNESS);
        assertEquals(List.of("spec"), fields(nullSpec));
    }

    @Test
    void cycles_throughSeveralAgents_areNamedWithTheirPath() {
        // support → loop-a → loop-b → support
        AgentSpecValidation v = harness("support", "{'instructions': 'x', 'handoffs': ['billing', 'loop-a']}");
        assertEquals(List.of("handoffs[1]"), fields(v));
        assertTrue(v.problems().getFirst().message().contains("support → loop-a → loop-b → support"), v.summary());
        // Another name is not in the loop: loop-a → loop-b → support, and support is not "other".
        assertTrue(harness("other", "{'instructions': 'x', 'handoffs': ['loop-a', 'maya']}").valid());
    }

    @Test
    void theOperator_cannotTellToolsOrGuardrails_butChecksEverythingElse() {
        Map<String, Object> spec = json("{'instructions': 'x', 'tools': ['anything'], 'inputGuardrails': ['any'], "
                + "'sandboxManifestRef': {'name': 'box'}}");
        AgentSpecValidation v = AgentSpecValidator.validate("support", spec, Catalog.operator(), Source.KUBERNETES);
        assertTrue(v.valid(), v.summary());
        assertEquals(Map.of("name", "box"), v.spec().get("sandboxManifestRef"));
        assertFalse(v.registered().containsKey("sandboxManifestRef"), "the operator resolves it into sandboxManifest");
        assertEquals(List.of("handoffs[0]"), fields(AgentSpecValidator.validate("support",
                json("{'instructions': 'x', 'handoffs': ['nobody']}"), Catalog.operator(), Source.KUBERNETES)));
        assertEquals(List.of("sandboxManifestRef"), fields(AgentSpecValidator.validate("support",
                json("{'instructions': 'x', 'sandboxManifestRef': {'name': 'Bad_Name'}}"), Catalog.operator(),
                Source.KUBERNETES)));
    }

    @Test
    void version_ignoresKeyOrder_numberSpelling_evaluation_andTheManifestRef() {
        String a = harness("support", "{'instructions': 'x', 'tools': ['draft_reply'], "
                + "'modelSettings': {'temperature': 1, 'topP': 1}}").version();
        String b = harness("support", "{'modelSettings': {'topP': 1.0, 'temperature': 1.0}, "
                + "'tools': ['draft_reply'], 'instructions': 'x'}").version();
        String c = harness("support", "{'instructions': 'x', 'tools': ['draft_reply'], "
                + "'modelSettings': {'temperature': 1.0, 'topP': 1.00}, "
                + "'evaluation': {'goldenSet': {'configMapKeyRef': {'name': 'g', 'key': 'k'}}, 'threshold': 0.5}}")
                .version();
        assertEquals(a, b, "key order and 1 vs 1.0");
        assertEquals(a, c, "evaluation is not part of the version");
        String kubernetes = AgentSpecValidator.validate("support", json("{'instructions': 'x', 'tools': "
                + "['draft_reply'], 'modelSettings': {'temperature': 1, 'topP': 1}, 'sandboxManifestRef': "
                + "{'name': 'box'}}"), Catalog.operator(), Source.KUBERNETES).version();
        assertEquals(a, kubernetes, "the reference is resolved by the operator, not versioned");
        // Empty optional fields and surrounding blanks mean nothing.
        assertEquals(a, harness("support", "{'instructions': 'x', 'tools': [' draft_reply '], 'handoffs': [], "
                + "'description': '', 'modelSettings': {'temperature': 1, 'topP': 1}}").version());
        // The name is not part of the version: the same spec under two names is one digest.
        assertEquals(a, harness("other", "{'instructions': 'x', 'tools': ['draft_reply'], "
                + "'modelSettings': {'temperature': 1, 'topP': 1}}").version());

        // Anything that changes behaviour is another version.
        assertNotEquals(a, harness("support", "{'instructions': 'y', 'tools': ['draft_reply'], "
                + "'modelSettings': {'temperature': 1, 'topP': 1}}").version());
        assertNotEquals(a, harness("support", "{'instructions': 'x', 'tools': ['draft_reply'], "
                + "'modelSettings': {'temperature': 0.9, 'topP': 1}}").version());
        assertNotEquals(harness("support", "{'instructions': 'x', 'tools': ['draft_reply', 'lookup_account']}")
                .version(), harness("support", "{'instructions': 'x', 'tools': ['lookup_account', 'draft_reply']}")
                .version(), "tool order is the order the model sees them");
        assertNotEquals(a, harness("support", "{'instructions': 'x', 'tools': ['draft_reply'], "
                + "'modelSettings': {'temperature': 1, 'topP': 1}, 'evaluators': [{'name': 'e', 'max_turns': 3}]}")
                .version(), "inline evaluators are part of a version");
    }

    @Test
    void versionIsTheDigestOfTheCanonicalRegisteredSpec() {
        AgentSpecValidation v = harness("support", "{'tools': ['draft_reply'], 'instructions': 'x'}");
        assertEquals(AgentSpecValidation.versionOf(v.registered()), v.version());
        // sha256 of {"instructions":"x","tools":["draft_reply"]}, pinned: changing the canonical form re-versions
        // every registered agent.
        assertEquals("sha256:0788335d78ed7bd287f84d6ea281dbe33d22383774a1a8bb39a9ea71b3015203", v.version());
    }

    @Test
    void theFieldListIsTheCrdsSpec() {
        assertEquals(Set.of("instructions", "description", "model", "modelSettings", "tools", "handoffs",
                "inputGuardrails", "outputGuardrails", "sandboxManifest", "sandboxManifestRef", "evaluators",
                "evaluation"), AgentSpecValidator.FIELDS);
    }
}
