package dev.agentharness.operator.agentrun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.RunProgress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** When a new view of a run is a move to another replica, judged against the status the operator last wrote. */
class ReplicaMoveTest {

    static dev.agentharness.crds.v1alpha1.RunProgress written(int turns, int steps, String last, int attempts,
                                                              int recoveries) {
        return new dev.agentharness.crds.v1alpha1.RunProgress(turns, steps, last, attempts, recoveries);
    }

    @Test
    void anotherClaimAfterADeadWorkerIsAMove_namingAttemptRecoveryAndTheLastStepSeen() {
        Optional<ReplicaMove> move = ReplicaMove.between(written(2, 7, "tool_output", 1, 0),
                new RunProgress(2, 7, "tool_output", 2, 1), "run_1");
        assertEquals("run run_1 resumed on another replica (attempt 2, recovery 1) after step 7 (tool_output)",
                move.orElseThrow().message());
    }

    @Test
    void theQueuedInterludeIsNoMoveYet_theClaimAfterItIs() {
        // The sweep queued it again (recoveries grew) but nobody claimed it: nothing resumed yet.
        assertTrue(ReplicaMove.between(written(1, 4, "tool_started", 1, 0),
                new RunProgress(1, 4, "tool_started", 1, 1), "run_1").isEmpty());
        // The status written then carries recoveries 1; the claim that follows is the one move.
        assertEquals("run run_1 resumed on another replica (attempt 2, recovery 1) after step 4 (tool_started)",
                ReplicaMove.between(written(1, 4, "tool_started", 1, 1), new RunProgress(1, 4, "tool_started", 2, 1),
                        "run_1").orElseThrow().message());
    }

    @Test
    void aReleaseByADrainingReplicaIsAMoveWithoutARecovery() {
        assertEquals("run run_1 resumed on another replica (attempt 2, released by a replica shutting down) "
                        + "after step 3 (model_response)",
                ReplicaMove.between(written(1, 3, "model_response", 1, 0),
                        new RunProgress(1, 3, "model_response", 2, 0), "run_1").orElseThrow().message());
    }

    @Test
    void theFirstClaimIsNoMove_butASecondOneUnseenFromTheQueueIs() {
        assertTrue(ReplicaMove.between(written(0, 0, null, 0, 0), new RunProgress(0, 0, null, 1, 0), "run_1").isEmpty());
        assertEquals("run run_1 resumed on another replica (attempt 2, recovery 1) before its first step",
                ReplicaMove.between(written(0, 0, null, 0, 0), new RunProgress(0, 0, null, 2, 1), "run_1")
                        .orElseThrow().message());
    }

    @Test
    void theSameViewAgainOrNoBaselineIsNoMove() {
        assertTrue(ReplicaMove.between(written(2, 9, "model_response", 2, 1),
                new RunProgress(2, 9, "model_response", 2, 1), "run_1").isEmpty(), "a repeated view");
        assertTrue(ReplicaMove.between(null, new RunProgress(2, 9, "model_response", 3, 2), "run_1").isEmpty(),
                "a status written before the harness reported progress");
        assertTrue(ReplicaMove.between(written(2, 9, "model_response", 2, 1), null, "run_1").isEmpty(),
                "a harness without progress");
    }
}
