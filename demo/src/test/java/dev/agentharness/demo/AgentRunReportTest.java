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
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** What {@code make demo} prints: kubectl-like columns, then each run's status in words. */
class AgentRunReportTest {

    static AgentRun run(String name, String agent, String conditionStatus, String reason) {
        AgentRun run = new AgentRun();
        run.setMetadata(new ObjectMetaBuilder().withName(name).withCreationTimestamp("2026-12-04T11:59:59Z").build());
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
            status.setStartTime("2026-12-04T12:00:00Z");
            status.setCompletionTime("2026-12-04T12:00:03Z");
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
                run("pending-one", "analyst", null, null)), Instant.parse("2026-12-04T12:00:10Z"));
        List<String> lines = report.lines().toList();

        assertEquals("NAME                 SUCCEEDED   REASON      AGENT     STARTTIME   COMPLETIONTIME   DURATION   AGE",
                lines.get(0));
        assertEquals("maya-card-declined   True        Succeeded   maya      10s         7s               3s         11s",
                lines.get(1));
        assertEquals("pending-one          Unknown     -           analyst   <unknown>   <unknown>        -          11s",
                lines.get(2));
        assertTrue(report.contains("  condition: Succeeded=True (Succeeded): the agent answered\n"), report);
        assertTrue(report.contains("  reply:     Hello\n             world\n"), report);
        assertTrue(report.contains("agentrun/pending-one\n  (no status yet: the operator has not seen it)"), report);
    }

    /** The demo prints what kubectl prints on a cluster: the CRD's default (priority 0) printer columns, in order. */
    @Test
    void theHeaderIsTheCrdsDefaultPrinterColumnsInOrder() {
        List<String> columns = new ArrayList<>(List.of("NAME"));
        for (AdditionalPrinterColumn column : AgentRun.class.getAnnotationsByType(AdditionalPrinterColumn.class)) {
            if (column.priority() == 0) {
                columns.add(column.name().toUpperCase(Locale.ROOT));
            }
        }
        assertEquals(columns, List.of(AgentRunReport.HEADER));
    }

    @Test
    void timesReadLikeKubectlsAges() {
        assertEquals("0s", AgentRunReport.humanDuration(Duration.ofSeconds(-3)));
        assertEquals("119s", AgentRunReport.humanDuration(Duration.ofSeconds(119)));
        assertEquals("2m", AgentRunReport.humanDuration(Duration.ofSeconds(120)));
        assertEquals("9m59s", AgentRunReport.humanDuration(Duration.ofSeconds(599)));
        assertEquals("179m", AgentRunReport.humanDuration(Duration.ofMinutes(179)));
        assertEquals("3h5m", AgentRunReport.humanDuration(Duration.ofMinutes(185)));
        assertEquals("47h", AgentRunReport.humanDuration(Duration.ofHours(47)));
        assertEquals("2d1h", AgentRunReport.humanDuration(Duration.ofHours(49)));
        assertEquals("30d", AgentRunReport.humanDuration(Duration.ofDays(30)));
        assertEquals("2y5d", AgentRunReport.humanDuration(Duration.ofDays(735)));
    }
}
