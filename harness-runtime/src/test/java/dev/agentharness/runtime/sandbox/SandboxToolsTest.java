package dev.agentharness.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.runtime.agent.Agent;
import dev.agentharness.runtime.agent.FunctionTool;
import dev.agentharness.runtime.agent.SideEffects;
import dev.agentharness.runtime.agent.ToolRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The text the model reads back from {@code exec_command}, and which tools an agent ends up with. */
class SandboxToolsTest {

    static ExecResult result(String stdout, String stderr, int exit, boolean timedOut) {
        return new ExecResult(exit, stdout, stderr, false, false, timedOut, Duration.ofMillis(1234));
    }

    @Test
    void execOutputUsesTheAgentsSdkLayout() {
        assertEquals("Chunk ID: abc123\nWall time: 1.2340 seconds\nProcess exited with code 0\nOutput:\n13\n",
                SandboxTools.formatExec(result("13\n", "", 0, false), Duration.ofSeconds(10), 100, "abc123"));
    }

    @Test
    void stderrFollowsStdoutAndANonZeroExitIsReportedNotRaised() {
        assertEquals("Chunk ID: c\nWall time: 1.2340 seconds\nProcess exited with code 2\nOutput:\nout\nsh: nope: not found\n",
                SandboxTools.formatExec(result("out\n", "sh: nope: not found\n", 2, false), Duration.ofSeconds(10), 100, "c"));
    }

    @Test
    void aTimeoutIsExitCode124WithANote() {
        String text = SandboxTools.formatExec(result("started\n", "", 124, true), Duration.ofMillis(500), 100, "c");
        assertTrue(text.contains("Process exited with code 124\nOutput:\nstarted\n\n[command timed out after 500 ms and was killed]"), text);
    }

    @Test
    void outputBeyondMaxOutputTokensKeepsHeadAndTailAndStatesTheOriginalCount() {
        String output = "H".repeat(100) + "x".repeat(1000) + "T".repeat(100);
        String text = SandboxTools.formatExec(result(output, "", 0, false), Duration.ofSeconds(1), 50, "c");
        String body = text.substring(text.indexOf("Output:\n") + 8);
        assertTrue(text.contains("\nOriginal token count: 300\nOutput:\n"), text);
        assertTrue(body.startsWith("H".repeat(100)), body);
        assertTrue(body.endsWith("T".repeat(100)), body);
        assertTrue(body.contains("…250 tokens truncated…"), body);
        assertEquals(200 + "…250 tokens truncated…".length(), body.length());
    }

    @Test
    void declaredSandboxToolsAreReplacedByTheRunsOnesAndOthersKept() {
        ToolRegistry registry = ToolRegistry.builtIn().with(SandboxTools.declarable());
        Agent declared = Agent.of("a", "i", List.of(registry.require("lookup_account"), registry.require("read_file")));
        List<FunctionTool> bound = List.of(registry.require("exec_command"));
        Agent withSandbox = SandboxTools.withSandbox(declared, bound);
        assertEquals(List.of("lookup_account", "exec_command"), withSandbox.tools().stream().map(FunctionTool::name).toList(),
                "read_file is gone: the run's capabilities (here: shell only) decide");
    }

    @Test
    void onlyTheToolsThatChangeTheWorkspaceAreSandboxEffectsAndNoneIsExternal() {
        Map<String, SideEffects> effects = SandboxTools.declarable().stream()
                .collect(Collectors.toMap(FunctionTool::name, FunctionTool::effects));
        assertEquals(Map.of("exec_command", SideEffects.SANDBOX, "write_file", SideEffects.SANDBOX,
                "read_file", SideEffects.NONE, "list_files", SideEffects.NONE), effects);
    }
}
