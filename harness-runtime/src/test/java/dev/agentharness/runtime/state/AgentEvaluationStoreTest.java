package dev.agentharness.runtime.state;

import static dev.agentharness.runtime.state.RunFixture.principal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Agent evaluations: a start answers the earlier evaluation of the same key unless it ended in error; a running row
 * whose heartbeat is older than the bound is closed as error on the next start, and a late heartbeat or verdict of the
 * stopped replica changes nothing. Versions of built-in agents are no rows of agent_versions (V13: no foreign key).
 */
class AgentEvaluationStoreTest {

    private static final String VERSION = "sha256:" + "a".repeat(64);
    private static final String DIGEST = "sha256:" + "d".repeat(64);
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final Duration STALE = Duration.ofMinutes(2);

    /** Ids are primary keys: unique per run of this class, whatever database it runs on. */
    private static final String ID = "t" + java.util.UUID.randomUUID().toString().substring(0, 8) + "-";

    private static RunFixture fixture;
    private static AgentEvaluationStore store;

    @BeforeAll
    static void database() {
        fixture = RunFixture.migrated();
        store = new AgentEvaluationStore(fixture.pool);
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    private static AgentEvaluationStore.Started start(String tenant, String id, double threshold, Instant now) {
        return store.start(id, tenant, "maya", VERSION, DIGEST, threshold, "{\"cases\": 3}", now, now.minus(STALE),
                "{\"error\": \"stale\"}");
    }

    @Test
    void theSameKeyAnswersTheEarlierEvaluation_untilItEndsInError() {
        String tenant = principal();
        AgentEvaluationStore.Started first = start(tenant, ID + "e1", 1.0, T0);
        assertTrue(first.created());
        assertEquals("running", first.evaluation().status());
        assertEquals("{\"cases\": 3}", first.evaluation().resultJson());

        AgentEvaluationStore.Started again = start(tenant, ID + "e2", 1.0, T0.plusSeconds(10));
        assertFalse(again.created());
        assertEquals(ID + "e1", again.evaluation().id());
        assertTrue(start(tenant, ID + "e3", 0.5, T0.plusSeconds(10)).created(), "another threshold is another evaluation");
        assertTrue(start(principal(), ID + "e4", 1.0, T0.plusSeconds(10)).created(), "tenants never share evaluations");

        assertTrue(store.finish(ID + "e1", "passed", "{\"cases\": 3, \"passed\": 3}", T0.plusSeconds(20)));
        assertFalse(store.finish(ID + "e1", "failed", "{}", T0.plusSeconds(21)), "a verdict is recorded once");
        assertFalse(store.heartbeat(ID + "e1", T0.plusSeconds(22)));
        AgentEvaluationStore.Started afterPass = start(tenant, ID + "e5", 1.0, T0.plusSeconds(600));
        assertFalse(afterPass.created(), "a finished evaluation still answers");
        assertEquals("passed", afterPass.evaluation().status());
        assertEquals(T0.plusSeconds(20), afterPass.evaluation().finishedAt().toInstant());

        String other = principal();
        start(other, ID + "e6", 1.0, T0);
        assertTrue(store.finish(ID + "e6", "error", "{\"error\": \"x\"}", T0.plusSeconds(5)));
        AgentEvaluationStore.Started afterError = start(other, ID + "e7", 1.0, T0.plusSeconds(6));
        assertTrue(afterError.created(), "an evaluation that ended in error is asked again");
        assertEquals(ID + "e7", afterError.evaluation().id());
    }

    @Test
    void aStaleRunningEvaluationIsClosedAsError_andItsReplicaCannotReopenIt() {
        String tenant = principal();
        start(tenant, ID + "s1", 1.0, T0);
        assertTrue(store.heartbeat(ID + "s1", T0.plusSeconds(60)));
        assertFalse(start(tenant, ID + "s2", 1.0, T0.plusSeconds(170)).created(), "60 s + 2 min not yet passed");

        AgentEvaluationStore.Started restarted = start(tenant, ID + "s3", 1.0, T0.plusSeconds(181));
        assertTrue(restarted.created());
        AgentEvaluationStore.StoredEvaluation stale = store.find(tenant, "maya", ID + "s1").orElseThrow();
        assertEquals("error", stale.status());
        assertEquals("{\"error\": \"stale\"}", stale.resultJson());
        assertEquals(T0.plusSeconds(181), stale.finishedAt().toInstant());
        assertFalse(store.heartbeat(ID + "s1", T0.plusSeconds(182)), "the stopped replica's heartbeat changes nothing");
        assertFalse(store.finish(ID + "s1", "passed", "{}", T0.plusSeconds(183)));
        assertEquals("error", store.find(tenant, "maya", ID + "s1").orElseThrow().status());
        assertNotEquals(stale.id(), restarted.evaluation().id());
    }

    @Test
    void anEvaluationIsReadByItsTenantAndAgentOnly() {
        String tenant = principal();
        start(tenant, ID + "r1", 0.8, T0);
        AgentEvaluationStore.StoredEvaluation read = store.find(tenant, "maya", ID + "r1").orElseThrow();
        assertEquals(0.8, read.threshold());
        assertEquals(DIGEST, read.datasetDigest());
        assertNull(read.finishedAt());
        assertTrue(store.find(principal(), "maya", ID + "r1").isEmpty());
        assertTrue(store.find(tenant, "billing", ID + "r1").isEmpty());
    }
}
