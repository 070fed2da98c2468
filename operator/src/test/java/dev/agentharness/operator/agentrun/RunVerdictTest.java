package dev.agentharness.operator.agentrun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.RunProgress;
import dev.agentharness.api.RunResponse;
import dev.agentharness.api.RunStatus;
import dev.agentharness.api.Usage;
import dev.agentharness.crds.v1alpha1.AgentRunPhase;
import dev.agentharness.crds.v1alpha1.AgentRunReason;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every harness state and the reasons it maps to. */
class RunVerdictTest {

    static RunResponse run(RunStatus status, String reason) {
        return new RunResponse("run_1", "ses_1", "maya", "m", status, reason, null, false, null, null, List.of(),
                Usage.ZERO, "t", null, null, null, null, RunProgress.NONE);
    }

    static void assertVerdict(RunStatus status, String harnessReason, AgentRunPhase phase, AgentRunReason reason) {
        RunVerdict verdict = RunVerdict.of(run(status, harnessReason));
        assertEquals(phase, verdict.phase(), status + "/" + harnessReason);
        assertEquals(reason, verdict.reason(), status + "/" + harnessReason);
        assertTrue(verdict.message().contains("run_1"), verdict.message());
    }

    @Test
    void harnessStatesMapOneToOne() {
        assertVerdict(RunStatus.QUEUED, null, AgentRunPhase.Queued, AgentRunReason.Queued);
        assertVerdict(RunStatus.RUNNING, null, AgentRunPhase.Running, AgentRunReason.Running);
        assertVerdict(RunStatus.SUCCEEDED, null, AgentRunPhase.Succeeded, AgentRunReason.Succeeded);
        assertVerdict(RunStatus.CANCELLED, "Cancelled", AgentRunPhase.Cancelled, AgentRunReason.Cancelled);
        assertVerdict(RunStatus.TIMED_OUT, "TimedOut", AgentRunPhase.TimedOut, AgentRunReason.TimedOut);
    }

    @Test
    void maxTurnsExceededIsItsOwnReason_otherFailuresAreFailedWithTheHarnessReason() {
        assertVerdict(RunStatus.FAILED, "MaxTurnsExceeded", AgentRunPhase.Failed, AgentRunReason.MaxTurnsExceeded);
        for (String reason : List.of("ModelUnavailable", "WorkerLost", "InputGuardrailTripwireTriggered", "SandboxUnavailable")) {
            RunVerdict verdict = RunVerdict.of(run(RunStatus.FAILED, reason));
            assertEquals(AgentRunReason.Failed, verdict.reason());
            assertTrue(verdict.message().endsWith("with reason " + reason), verdict.message());
        }
    }

    @Test
    void budgetExceededIsItsOwnReason_withWhatTheRunSpent() {
        RunResponse run = new RunResponse("run_1", "s", "maya", "m", RunStatus.FAILED, "BudgetExceeded", null, false, null,
                null, List.of(), new Usage(1000, 250, 0.0125), "t", null, null, null, null, RunProgress.NONE);
        RunVerdict verdict = RunVerdict.of(run);
        assertEquals(AgentRunPhase.Failed, verdict.phase());
        assertEquals(AgentRunReason.BudgetExceeded, verdict.reason());
        assertTrue(verdict.message().contains("run_1 at its budget"), verdict.message());
        assertTrue(verdict.message().endsWith("it spent 0.0125 USD, 1250 tokens"), verdict.message());
    }

    @Test
    void aSavedReplyThatFailedToStoreIsStillSucceededAndSaysWhy() {
        RunResponse run = new RunResponse("run_1", "s", "maya", "m", RunStatus.SUCCEEDED, null, "hi", false, null,
                "store unreachable (ConnectException)", List.of(), Usage.ZERO, "t", null, null, null, null, RunProgress.NONE);
        RunVerdict verdict = RunVerdict.of(run);
        assertEquals(AgentRunReason.Succeeded, verdict.reason());
        assertTrue(verdict.message().contains("could not be saved as an artifact: store unreachable"));
    }
}
