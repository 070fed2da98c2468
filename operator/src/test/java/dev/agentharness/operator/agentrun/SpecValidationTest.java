package dev.agentharness.operator.agentrun;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentharness.crds.v1alpha1.AgentRunBudget;
import dev.agentharness.crds.v1alpha1.AgentRunSpec;
import dev.agentharness.crds.v1alpha1.SandboxManifestReference;
import dev.agentharness.operator.testing.Cluster;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.Arguments;
import java.util.stream.Stream;

/** Each bad spec field is named, in the resource's own terms, before anything reaches the harness. */
class SpecValidationTest {

    static Stream<Arguments> badSpecs() {
        return Stream.of(
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setAgent(null), "spec.agent: is required, e.g. maya"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setAgent("Maya"), "spec.agent: must match"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setInput(null), "spec.input: is required"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setInput(" \n"), "spec.input: must not be blank"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setInput("é".repeat(40000)),
                        "spec.input: is 80000 bytes of UTF-8; at most 65536 are accepted"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setSessionId("-bad"), "spec.sessionId: must match"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setModel("gpt 5"), "spec.model: must match"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setSandboxManifestRef(new SandboxManifestReference("Notes")),
                        "spec.sandboxManifestRef.name: must be the name of a SandboxManifest"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setMaxTurns(101), "spec.maxTurns: must be between 1 and 100, got 101"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setTimeoutSeconds(0), "spec.timeoutSeconds: must be between 1 and 3600, got 0"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setTtlSecondsAfterFinished(-1),
                        "spec.ttlSecondsAfterFinished: must be between 0 and 604800, got -1"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setRunNonce("a b"), "spec.runNonce: must match"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setAgentVersion("sha256:ABC"),
                        "spec.agentVersion: must be a version of the agent"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setBudget(new AgentRunBudget(0.0, null)),
                        "spec.budget.maxCostUsd: must be greater than 0, got 0.0"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setBudget(new AgentRunBudget(-1.5, 100L)),
                        "spec.budget.maxCostUsd: must be greater than 0, got -1.5"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setBudget(new AgentRunBudget(Double.NaN, null)),
                        "spec.budget.maxCostUsd: must be greater than 0, got NaN"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setBudget(new AgentRunBudget(null, 0L)),
                        "spec.budget.maxTokens: must be greater than 0, got 0"),
                Arguments.of((Consumer<AgentRunSpec>) s -> s.setBudget(new AgentRunBudget(0.5, -10L)),
                        "spec.budget.maxTokens: must be greater than 0, got -10"));
    }

    @ParameterizedTest
    @MethodSource("badSpecs")
    void namesTheField(Consumer<AgentRunSpec> change, String expected) {
        AgentRunSpec spec = Cluster.agentRun("x", change).getSpec();
        String problem = SpecValidation.problem(spec).orElseThrow();
        assertEquals(true, problem.startsWith(expected), problem);
    }

    @Test
    void aGoodSpecHasNoProblem() {
        AgentRunSpec spec = Cluster.agentRun("x", s -> {
            s.setSessionId("ses:1.a_b-c");
            s.setModel("azure/gpt-5.4-mini");
            s.setSandboxManifestRef(new SandboxManifestReference("notes.v2"));
            s.setMaxTurns(100);
            s.setTimeoutSeconds(3600);
            s.setTtlSecondsAfterFinished(0);
            s.setRunNonce("2026-01-31.1");
            s.setBudget(new AgentRunBudget(0.01, 1L));
        }).getSpec();
        assertEquals(Optional.empty(), SpecValidation.problem(spec));
        assertEquals(Optional.of("spec: is required (agent and input at least)"), SpecValidation.problem(null));
    }
}
