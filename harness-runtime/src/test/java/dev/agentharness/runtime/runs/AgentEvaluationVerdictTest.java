package dev.agentharness.runtime.runs;

import dev.agentharness.api.agents.AgentEvaluation;
import dev.agentharness.runtime.evals.CaseResult;
import dev.agentharness.runtime.evals.EvalReport;
import dev.agentharness.runtime.evals.EvalRunner;
import dev.agentharness.runtime.evals.Score;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The promotion gate's verdict from an eval report: threshold, baseline regressions, failing cases' order and cap. */
class AgentEvaluationVerdictTest {

    private static CaseResult pass(String id) {
        return new CaseResult(id, List.of(), "dataset:1", null, List.of(Score.pass("status", "ok")), null, null);
    }

    private static CaseResult fail(String id) {
        return new CaseResult(id, List.of(), "dataset:1", null,
                List.of(Score.pass("status", "ok"), Score.fail("reply_contains", "no 'Priya' in the reply")), null, null);
    }

    private static EvalReport report(List<CaseResult> results, List<String> baseline) {
        return new EvalReport("d", "harness", Instant.EPOCH, Instant.EPOCH, results, EvalRunner.compare(results, baseline));
    }

    @Test
    void passedIffThePassRateReachesTheThresholdAndNoBaselineCaseRegressed() {
        List<CaseResult> results = List.of(pass("a"), fail("b"), pass("c"), fail("d"));
        assertEquals(AgentEvaluation.FAILED, AgentEvaluations.verdict(report(results, null), 1.0).status());
        assertEquals(AgentEvaluation.PASSED, AgentEvaluations.verdict(report(results, null), 0.5).status());
        assertEquals(AgentEvaluation.FAILED, AgentEvaluations.verdict(report(results, null), 0.51).status());

        AgentEvaluations.Verdict regressed = AgentEvaluations.verdict(report(results, List.of("a", "d")), 0.25);
        assertEquals(AgentEvaluation.FAILED, regressed.status(), "a regression fails whatever the pass rate");
        assertEquals(List.of("d"), regressed.result().regressions());
        assertEquals(List.of("d", "b"), regressed.result().failedCases().stream().map(AgentEvaluation.FailedCase::id)
                .toList(), "regressions first, then dataset order");
        assertEquals(true, regressed.result().failedCases().getFirst().regression());
        assertEquals("reply_contains: no 'Priya' in the reply", regressed.result().failedCases().getFirst()
                .explanation(), "only the failing graders explain");
        assertEquals(0.5, regressed.result().passRate());
        assertNull(regressed.result().error());
    }

    @Test
    void anErroredCaseFailsWithItsError_andAtMostFiftyFailingCasesAreListed() {
        List<CaseResult> results = IntStream.range(0, 60).mapToObj(i -> i == 0
                ? CaseResult.error("c0", List.of(), "dataset:1", "the harness refused the run: no")
                : fail("c" + i)).toList();
        AgentEvaluations.Verdict verdict = AgentEvaluations.verdict(report(results, null), 0.0);
        assertEquals(AgentEvaluation.PASSED, verdict.status(), "threshold 0 without a baseline");
        assertEquals(AgentEvaluations.MAX_FAILED_CASES, verdict.result().failedCases().size());
        assertEquals("error: the harness refused the run: no", verdict.result().failedCases().getFirst().explanation());
        assertEquals(60, verdict.result().cases());
        assertEquals(0, verdict.result().passed());
    }
}
