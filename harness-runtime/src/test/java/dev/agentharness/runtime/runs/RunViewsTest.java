package dev.agentharness.runtime.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentharness.api.RunProgress;
import dev.agentharness.api.RunStatus;
import dev.agentharness.runtime.state.ArtifactIndex;
import dev.agentharness.runtime.state.RunRecord;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** A stored run's progress columns reach the API view: turns, step count, last step kind, claims, recoveries. */
class RunViewsTest {

    @Test
    void progressComesFromTheRunRow() {
        OffsetDateTime at = OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC);
        RunRecord row = new RunRecord("run_1", "ses_1", "alice", "maya", "m", RunStatus.RUNNING, null, null, "{}",
                "h", null, null, 10, 5, 0.1, "trace", false, false, 10, null, false,
                2, "worker-b", at, at, at, null, at,
                2L, 1, 3, 7, "tool_output", null);

        assertEquals(new RunProgress(3, 7, "tool_output", 2, 1),
                RunViews.of(row, ArtifactIndex.RunArtifacts.NONE, null).progress());
    }
}
