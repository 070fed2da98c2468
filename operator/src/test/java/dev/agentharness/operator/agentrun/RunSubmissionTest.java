package dev.agentharness.operator.agentrun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunBudget;
import dev.agentharness.crds.v1alpha1.SandboxManifestReference;
import dev.agentharness.operator.testing.Cluster;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The Idempotency-Key and the request body: what makes "same AgentRun → same run" hold. */
class RunSubmissionTest {

    static AgentRun run(String namespace, String name, Consumer<dev.agentharness.crds.v1alpha1.AgentRunSpec> spec) {
        AgentRun run = Cluster.agentRun(name, spec);
        run.getMetadata().setNamespace(namespace);
        return run;
    }

    @Test
    void theKeyNamesNamespaceNameAndTheSpecDigest_notTheUid() {
        AgentRun first = run("team-a", "maya", s -> { });
        first.getMetadata().setUid("uid-1");
        AgentRun recreated = run("team-a", "maya", s -> { });
        recreated.getMetadata().setUid("uid-2");
        RunSubmission a = RunSubmission.of(first, null, null);
        RunSubmission b = RunSubmission.of(recreated, null, null);
        assertEquals(a.idempotencyKey(), b.idempotencyKey());
        assertEquals(a.request(), b.request(), "the same body too");
        assertTrue(a.idempotencyKey().matches("agentrun/team-a/maya/[0-9a-f]{32}"), a.idempotencyKey());
    }

    @Test
    void everyFieldThatChangesWhatRunsChangesTheKey() {
        String base = RunSubmission.of(run("ns", "r", s -> { }), null, null).idempotencyKey();
        List<Consumer<dev.agentharness.crds.v1alpha1.AgentRunSpec>> changes = List.of(
                s -> s.setAgent("analyst"), s -> s.setInput("something else"), s -> s.setSessionId("ses-1"),
                s -> s.setModel("gpt-x"), s -> s.setSandboxManifestRef(new SandboxManifestReference("notes")),
                s -> s.setSaveArtifact(true), s -> s.setMaxTurns(3), s -> s.setTimeoutSeconds(60),
                s -> s.setRunNonce("2"), s -> s.setBudget(new AgentRunBudget(0.5, null)),
                s -> s.setBudget(new AgentRunBudget(null, 1000L)), s -> s.setAgentVersion("sha256:" + "a".repeat(64)));
        for (Consumer<dev.agentharness.crds.v1alpha1.AgentRunSpec> change : changes) {
            assertNotEquals(base, RunSubmission.of(run("ns", "r", change), null, null).idempotencyKey());
        }
        assertNotEquals(base, RunSubmission.of(run("other-ns", "r", s -> { }), null, null).idempotencyKey());
        assertNotEquals(base, RunSubmission.of(run("ns", "other-name", s -> { }), null, null).idempotencyKey());
    }

    @Test
    void cancelAndTtlDoNotChangeWhatRuns() {
        String base = RunSubmission.of(run("ns", "r", s -> { }), null, null).idempotencyKey();
        assertEquals(base, RunSubmission.of(run("ns", "r", s -> s.setCancel(true)), null, null).idempotencyKey());
        assertEquals(base, RunSubmission.of(run("ns", "r", s -> s.setTtlSecondsAfterFinished(60)), null, null)
                .idempotencyKey());
    }

    @Test
    void theDigestIsPinned() {
        // If this changes, every AgentRun that GitOps re-creates after an upgrade runs (and costs) again.
        assertEquals("7f9cb16ba4f353ae493dc73bd56667cc7efe42de65565f85672a9ebb3e6f020e", RunSubmission.specDigest(run("x", "y", s -> s.setInput("hi")).getSpec()));
        assertEquals(RunSubmission.specDigest(run("x", "y", s -> s.setInput("hi")).getSpec()),
                RunSubmission.specDigest(run("z", "w", s -> s.setInput("hi")).getSpec()), "namespace and name are not in it");
    }

    @Test
    void theBudgetGoesOutAsMaxCostAndMaxTokens_forTheNamespace() {
        RunSubmission submission = RunSubmission.of(run("team-a", "r", s -> s.setBudget(new AgentRunBudget(0.25, 5000L))),
                null, null);
        assertEquals("team-a", submission.namespace());
        assertEquals(0.25, submission.request().maxCostUsd());
        assertEquals(5000L, submission.request().maxTokens());
        RunSubmission without = RunSubmission.of(run("team-a", "r", s -> { }), null, null);
        assertEquals(null, without.request().maxCostUsd());
        assertEquals(null, without.request().maxTokens());
        assertNotEquals(submission.idempotencyKey(), without.idempotencyKey());
    }

    @Test
    void aKeyThatWouldBeTooLongForTheHarnessIsHashedWhole() {
        String longName = "a".repeat(253);
        String key = RunSubmission.of(run("a-namespace-that-is-long-enough", longName, s -> { }), null, null)
                .idempotencyKey();
        assertTrue(key.length() <= 255, key.length() + "");
        assertTrue(key.matches("agentrun/sha256/[0-9a-f]{64}"), key);
        assertTrue(key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e), "visible ASCII only");
    }

    @Test
    void theRequestCarriesTheManifestAndTheTighterTimeout() {
        Map<String, Object> manifest = Map.of("entries", Map.of("a.txt", Map.of("type", "file", "content", "x")));
        RunSubmission submission = RunSubmission.of(run("ns", "r", s -> s.setTimeoutSeconds(300)), manifest, 120);
        assertEquals(manifest, submission.request().manifest());
        assertEquals(120, submission.request().timeoutSeconds());
        assertEquals(300, RunSubmission.effectiveTimeout(300, null));
        assertEquals(120, RunSubmission.effectiveTimeout(null, 120));
        assertEquals(null, RunSubmission.effectiveTimeout(null, null));
    }
}
