package dev.agentharness.operator.agentrun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunReason;
import dev.agentharness.crds.v1alpha1.AgentRunStatus;
import dev.agentharness.crds.v1alpha1.RunProgress;
import dev.agentharness.operator.kube.Conditions;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which status changes of a running AgentRun wait for the progress interval, and which are written at once. */
class StatusPacingTest {

    static final Instant WRITTEN = Instant.parse("2026-12-03T10:00:00Z");
    static final StatusPacing FIVE_SECONDS = new StatusPacing(Duration.ofSeconds(5));

    static AgentRunStatus status(String runId, AgentRunReason reason, int turns, int attempts) {
        AgentRunStatus status = new AgentRunStatus();
        status.setRunId(runId);
        Conditions.set(status.getConditions(), AgentRun.SUCCEEDED, reason.conditionStatus(), reason.name(), "m", 1L,
                WRITTEN);
        status.setProgress(new RunProgress(turns, turns * 2, "model_response", attempts, 0));
        return status;
    }

    static Optional<Duration> holdBack(AgentRunStatus written, AgentRunStatus next, Duration since) {
        return FIVE_SECONDS.holdBack(StatusPacing.Written.of(written), next, WRITTEN, WRITTEN.plus(since));
    }

    @Test
    void progressOnlyChangesWaitForTheRestOfTheInterval() {
        assertEquals(Optional.of(Duration.ofSeconds(4)), holdBack(status("run_1", AgentRunReason.Queued, 0, 0),
                status("run_1", AgentRunReason.Running, 1, 1), Duration.ofSeconds(1)));
        assertEquals(Optional.of(Duration.ofMillis(500)), holdBack(status("run_1", AgentRunReason.Running, 1, 1),
                status("run_1", AgentRunReason.Running, 2, 1), Duration.ofMillis(4500)));
    }

    @Test
    void progressOnceTheIntervalHasPassedIsWrittenAtOnce() {
        assertTrue(holdBack(status("run_1", AgentRunReason.Running, 1, 1), status("run_1", AgentRunReason.Running, 2, 1),
                Duration.ofSeconds(5)).isEmpty());
    }

    @Test
    void theEndAnUnavailableHarnessAndAMoveAreWrittenAtOnce() {
        AgentRunStatus running = status("run_1", AgentRunReason.Running, 1, 1);
        Duration moment = Duration.ofMillis(100);
        assertTrue(holdBack(running, status("run_1", AgentRunReason.Succeeded, 3, 1), moment).isEmpty());
        assertTrue(holdBack(running, status("run_1", AgentRunReason.Failed, 3, 1), moment).isEmpty());
        assertTrue(holdBack(running, status("run_1", AgentRunReason.HarnessUnavailable, 1, 1), moment).isEmpty());
        assertTrue(holdBack(running, status("run_1", AgentRunReason.Running, 1, 2), moment).isEmpty(),
                "another replica claimed it: the Resumed Event goes with this status");
    }

    @Test
    void aCancelRequestAndANewSpecGenerationAreWrittenAtOnce_theirEventsWentOut() {
        AgentRunStatus running = status("run_1", AgentRunReason.Running, 1, 1);
        AgentRunStatus cancelling = status("run_1", AgentRunReason.Running, 1, 1);
        cancelling.setCancelRequested(true);
        assertTrue(holdBack(running, cancelling, Duration.ofMillis(100)).isEmpty());
        running.setObservedGeneration(1L);
        AgentRunStatus respecced = status("run_1", AgentRunReason.Running, 1, 1);
        respecced.setObservedGeneration(2L);
        assertTrue(holdBack(running, respecced, Duration.ofMillis(100)).isEmpty());
    }

    @Test
    void theSubmissionIsWrittenAtOnce() {
        AgentRunStatus pending = new AgentRunStatus();
        Conditions.set(pending.getConditions(), AgentRun.SUCCEEDED, AgentRunReason.Pending.conditionStatus(),
                AgentRunReason.Pending.name(), "waiting", 1L, WRITTEN);
        assertTrue(holdBack(pending, status("run_1", AgentRunReason.Queued, 0, 0), Duration.ofMillis(100)).isEmpty());
    }

    @Test
    void zeroIntervalOrNoEarlierWriteHoldsNothingBack() {
        AgentRunStatus queued = status("run_1", AgentRunReason.Queued, 0, 0);
        AgentRunStatus running = status("run_1", AgentRunReason.Running, 1, 1);
        assertTrue(new StatusPacing(Duration.ZERO).holdBack(StatusPacing.Written.of(queued), running, WRITTEN,
                WRITTEN.plusMillis(1)).isEmpty());
        assertTrue(FIVE_SECONDS.holdBack(StatusPacing.Written.of(queued), running, null, WRITTEN).isEmpty(),
                "a restarted operator does not know when it last wrote");
    }
}
