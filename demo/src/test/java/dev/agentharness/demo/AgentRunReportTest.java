package dev.agentharness.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunPhase;
import dev.agentharness.crds.v1alpha1.AgentRunSpec;
import dev.agentharness.crds.v1alpha1.AgentRunStatus;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code make demo} prints: kubectl-like columns, then each run's status in words. */
class AgentRunReportTest {

    static AgentRun run(String name, String agent, String conditionStatus, String reason) {
        AgentRun run = new AgentRun();
        run.setMetadata(new ObjectMetaBuilder().withName(name).build());
        AgentRunSpec spec = new AgentRunSpec();
        spec.setAgent(agent);
        spec.setInput("hi");
        run.setSpec(spec);
        if (conditionStatus != null) {
            AgentRunStatus status = new AgentRunStatus();
            status.setPhase(AgentRunPhase.Succeeded);
            status.setConditions(List.of(new ConditionBuilder().withType("Succeeded").withStatus(conditionStatus)
                    .withReason(reason).withMessage("the agent answered").build()));
            status.setReply("Hello\nworld");
            status.setRunId("run_1");
            status.setDuration("3s");
            run.setStatus(status);
        }
        return run;
    }

    @Test
    void finishedMeansTheSucceededConditionIsTrueOrFalse() {
        assertTrue(AgentRunReport.finished(run("a", "maya", "True", "Succeeded")));
        assertTrue(AgentRunReport.finished(run("a", "maya", "False", "MaxTurnsExceeded")));
        assertFalse(AgentRunReport.finished(run("a", "maya", "Unknown", "Running")));
        assertFalse(AgentRunReport.finished(run("a", "maya", null, null)), "no status yet");
    }

    @Test
    void theTableHasKubectlsColumnsAndTheDetailsTheStatus() {
        String report = AgentRunReport.render(List.of(run("maya-card-declined", "maya", "True", "Succeeded"),
                run("pending-one", "analyst", null, null)));
        List<String> lines = report.lines().toList();

        assertEquals("NAME                 SUCCEEDED   REASON      AGENT     DURATION", lines.get(0));
        assertEquals("maya-card-declined   True        Succeeded   maya      3s", lines.get(1).stripTrailing());
        assertEquals("pending-one          Unknown     -           analyst   -", lines.get(2).stripTrailing());
        assertTrue(report.contains("  condition: Succeeded=True (Succeeded): the agent answered\n"), report);
        assertTrue(report.contains("  reply:     Hello\n             world\n"), report);
        assertTrue(report.contains("agentrun/pending-one\n  (no status yet: the operator has not seen it)"), report);
    }
}
