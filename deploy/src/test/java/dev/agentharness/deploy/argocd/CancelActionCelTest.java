package dev.agentharness.deploy.argocd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunReason;
import dev.agentharness.crds.v1alpha1.AgentRunSpec;
import dev.agentharness.deploy.testing.RepositoryFiles;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Argo CD "cancel" action against the API server's own gate: the action's Lua runs on a real AgentRun (serialised
 * from the crds classes), the update is turned into the JSON merge patch Argo CD sends for a custom resource, applied,
 * and the CRD's {@code x-kubernetes-validations} transition rule — read from crds/generated, as the API server gets it —
 * is evaluated by a real CEL engine (Google's cel-java) with {@code self} = the new spec and {@code oldSelf} = the old
 * one. The cancel must pass; every other spec change must not.
 */
class CancelActionCelTest {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static CelRuntime.Program rule;

    @BeforeAll
    static void compileTheCrdsTransitionRule() throws Exception {
        JsonNode crd = YAML.readTree(RepositoryFiles.resolve("crds/generated/agentruns.agentharness.dev-v1.yml").toFile());
        JsonNode validations = crd.path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema")
                .path("properties").path("spec").path("x-kubernetes-validations");
        assertEquals(1, validations.size(), validations.toString());
        String text = validations.get(0).path("rule").asText();
        assertEquals(AgentRunSpec.IMMUTABLE_RULE, text);
        assertFalse(text.contains("cancel"), "spec.cancel is the one field the rule leaves free");
        CelAbstractSyntaxTree ast = CelCompilerFactory.standardCelCompilerBuilder()
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS) // has(), as in Kubernetes
                .addVar("self", SimpleType.DYN)
                .addVar("oldSelf", SimpleType.DYN)
                .setResultType(SimpleType.BOOL)
                .build()
                .compile(text)
                .getAst();
        rule = CelRuntimeFactory.standardCelRuntimeBuilder().build().createProgram(ast);
    }

    /** Every optional field set: the rule compares each of them. */
    static JsonNode runningAgentRun(Consumer<AgentRunSpec> tweak) {
        AgentRun run = ArgoCdFixtures.agentRun(AgentRunReason.Running, "turn 2 of 10");
        AgentRunSpec spec = run.getSpec();
        spec.setSessionId("ses-acme-1002");
        spec.setModel("gpt-5.4-mini");
        spec.setSandboxManifestRef(new dev.agentharness.crds.v1alpha1.SandboxManifestReference());
        spec.getSandboxManifestRef().setName("notes");
        spec.setSaveArtifact(true);
        spec.setMaxTurns(10);
        spec.setTimeoutSeconds(300);
        spec.setTtlSecondsAfterFinished(3600);
        spec.setRunNonce("r1");
        tweak.accept(spec);
        return ArgoCdFixtures.json(run);
    }

    @Test
    void theCancelActionsMergePatchPassesTheTransitionRule() throws Exception {
        for (JsonNode before : List.of(runningAgentRun(s -> { }), ArgoCdFixtures.json(ArgoCdFixtures.agentRun(AgentRunReason.Queued, null)))) {
            JsonNode after = ArgoLua.toJson(ArgoLua.run(Files.readString(RepositoryFiles.resolve("examples/argocd/actions/agentrun-cancel.lua")), before));
            JsonNode patch = mergePatch(before, after);
            assertEquals(YAML.readTree("{spec: {cancel: true}}"), patch, "what Argo CD sends: spec.cancel only");
            JsonNode patched = applyMergePatch(before, patch);
            assertTrue(allowed(before.path("spec"), patched.path("spec")), "the API server admits the cancel");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            cancel set back to false          | {spec: {cancel: false}}                 | true
            cancel removed                    | {spec: {cancel: null}}                  | true
            another input                     | {spec: {input: "something else"}}       | false
            another agent                     | {spec: {agent: analyst}}                | false
            sessionId removed                 | {spec: {sessionId: null}}               | false
            another runNonce                  | {spec: {runNonce: r2}}                  | false
            maxTurns changed                  | {spec: {maxTurns: 11}}                  | false
            another SandboxManifest           | {spec: {sandboxManifestRef: {name: x}}} | false
            TTL changed                       | {spec: {ttlSecondsAfterFinished: 60}}   | false
            saveArtifact switched off         | {spec: {saveArtifact: false}}           | false
            """)
    void everyOtherSpecChangeIsRefused(String description, String patchYaml, boolean expected) throws Exception {
        JsonNode before = runningAgentRun(s -> s.setCancel(true));
        JsonNode after = applyMergePatch(before, YAML.readTree(patchYaml));
        assertEquals(expected, allowed(before.path("spec"), after.path("spec")), description);
    }

    @Test
    void addingAnOptionalFieldLaterIsRefusedToo() throws Exception {
        JsonNode before = ArgoCdFixtures.json(ArgoCdFixtures.agentRun(AgentRunReason.Running, null));
        assertFalse(allowed(before.path("spec"), applyMergePatch(before, YAML.readTree("{spec: {model: gpt-5.4}}")).path("spec")));
        assertTrue(allowed(before.path("spec"), applyMergePatch(before, YAML.readTree("{spec: {cancel: true}}")).path("spec")));
    }

    private static boolean allowed(JsonNode oldSpec, JsonNode newSpec) throws Exception {
        return (Boolean) rule.eval(Map.of("self", cel(newSpec), "oldSelf", cel(oldSpec)));
    }

    /** JSON → CEL values as the API server presents them: objects as maps, integers as int (Long), strings, bools. */
    static Object cel(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.properties().forEach(e -> map.put(e.getKey(), cel(e.getValue())));
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(n -> list.add(cel(n)));
            return list;
        }
        if (node.isIntegralNumber()) return node.longValue();
        if (node.isNumber()) return node.doubleValue();
        if (node.isBoolean()) return node.booleanValue();
        if (node.isTextual()) return node.textValue();
        throw new IllegalArgumentException("no CEL value for " + node);
    }

    /** RFC 7386 merge patch from one document to another (what Argo CD computes for a custom resource's action). */
    static JsonNode mergePatch(JsonNode from, JsonNode to) {
        if (!from.isObject() || !to.isObject()) {
            return to;
        }
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        for (Iterator<String> it = from.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!to.has(name)) patch.putNull(name);
        }
        to.properties().forEach(e -> {
            JsonNode old = from.get(e.getKey());
            if (old == null || !old.equals(e.getValue())) {
                patch.set(e.getKey(), old != null && old.isObject() && e.getValue().isObject()
                        ? mergePatch(old, e.getValue()) : e.getValue());
            }
        });
        return patch;
    }

    /** RFC 7386 apply. */
    static JsonNode applyMergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode result = target.isObject() ? ((ObjectNode) target).deepCopy() : JsonNodeFactory.instance.objectNode();
        patch.properties().forEach(e -> {
            if (e.getValue().isNull()) {
                result.remove(e.getKey());
            } else {
                result.set(e.getKey(), applyMergePatch(result.path(e.getKey()), e.getValue()));
            }
        });
        return result;
    }
}
