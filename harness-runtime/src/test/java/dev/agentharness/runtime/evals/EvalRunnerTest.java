package dev.agentharness.runtime.evals;

import dev.agentharness.api.RunTranscript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.agentharness.runtime.evals.EvalFixtures.evalCase;
import static dev.agentharness.runtime.evals.EvalFixtures.replyContains;
import static dev.agentharness.runtime.evals.EvalFixtures.tickingClock;
import static dev.agentharness.runtime.evals.EvalFixtures.transcript;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvalRunnerTest {

    /** Answers "echo: <input>"; inputs starting with "refuse" fail as the harness refusing them. */
    private static final class EchoTarget implements RunTarget {
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final Set<String> ran = ConcurrentHashMap.newKeySet();
        volatile CountDownLatch gate;

        @Override
        public RunTranscript run(EvalCase evalCase) throws EvalTargetException {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                if (gate != null) {
                    gate.countDown();
                    gate.await(30, TimeUnit.SECONDS);
                }
                ran.add(evalCase.id());
                if (evalCase.input().startsWith("refuse")) {
                    throw new EvalTargetException("the harness refused: Bad request: field 'message' is too long");
                }
                if (evalCase.input().startsWith("crash")) {
                    throw new IllegalStateException("boom");
                }
                return transcript("run-" + evalCase.id(), evalCase.input(), "echo: " + evalCase.input(), 0.01, 100);
            } catch (InterruptedException e) {
                throw new EvalTargetException("interrupted", e);
            } finally {
                inFlight.decrementAndGet();
            }
        }

        @Override
        public String traceLink(RunTranscript run) {
            return "http://harness.test/runs/" + run.runId() + "/trace";
        }
    }

    @Test
    void runsEveryCaseGradesItAndKeepsDatasetOrder() throws Exception {
        EchoTarget target = new EchoTarget();
        List<EvalCase> cases = List.of(
                evalCase("hello", "hello there", List.of("greeting"), replyContains("hello")),
                evalCase("balance", "what is my balance", List.of("tools"), replyContains("42"), replyContains("echo")),
                evalCase("refused", "refuse me", List.of("tools"), replyContains("x")),
                evalCase("crashed", "crash please", List.of(), replyContains("x")));

        EvalReport report = new EvalRunner(target, tickingClock(), 2).run("maya.jsonl", "http://harness.test", cases,
                null);

        assertEquals(List.of("hello", "balance", "refused", "crashed"),
                report.results().stream().map(CaseResult::caseId).toList());
        CaseResult hello = report.results().get(0);
        assertEquals(CaseResult.Outcome.PASS, hello.outcome());
        assertEquals("http://harness.test/runs/run-hello/trace", hello.traceLink());
        CaseResult balance = report.results().get(1);
        assertEquals(CaseResult.Outcome.FAIL, balance.outcome());
        assertEquals(1, balance.failingScores().size());
        assertEquals("the reply does not contain '42'", balance.failingScores().get(0).explanation());
        CaseResult refused = report.results().get(2);
        assertEquals(CaseResult.Outcome.ERROR, refused.outcome());
        assertTrue(refused.error().contains("field 'message' is too long"), refused.error());
        assertTrue(refused.scores().isEmpty());
        assertNull(refused.run());
        assertEquals(CaseResult.Outcome.ERROR, report.results().get(3).outcome());
        assertTrue(report.results().get(3).error().contains("boom"));
        assertEquals(Duration.ofSeconds(1), report.wallTime());
        assertFalse(report.comparison().hasBaseline());
        assertEquals(EvalReport.REGRESSION, report.exitCode(), "without a baseline any failing case fails the run");
    }

    @Test
    void runsAtMostConcurrencyCasesAtOnceAndReachesIt() throws Exception {
        EchoTarget target = new EchoTarget();
        // Every run waits until three are in flight: with a limit of 3 they all get there, the fourth waits.
        target.gate = new CountDownLatch(3);
        List<EvalCase> cases = java.util.stream.IntStream.range(0, 9)
                .mapToObj(i -> evalCase("case-" + i, "input " + i, List.of(), replyContains("echo"))).toList();

        EvalReport report = new EvalRunner(target, tickingClock(), 3).run("d.jsonl", "t", cases, null);

        assertEquals(3, target.maxInFlight.get());
        assertEquals(9, target.ran.size());
        assertEquals(EvalReport.OK, report.exitCode());
    }

    @Test
    void aBaselineCaseFailingOrErroringNowIsARegressionOthersAreNot() throws Exception {
        List<EvalCase> cases = List.of(
                evalCase("still-passes", "a", List.of(), replyContains("echo")),
                evalCase("now-fails", "b", List.of(), replyContains("nope")),
                evalCase("now-errors", "refuse", List.of(), replyContains("echo")),
                evalCase("never-passed", "c", List.of(), replyContains("nope")),
                evalCase("newly-passes", "d", List.of(), replyContains("echo")));
        EvalRunner runner = new EvalRunner(new EchoTarget(), tickingClock(), 4);

        EvalReport report = runner.run("d.jsonl", "t", cases, List.of("still-passes", "now-fails", "now-errors"));

        assertTrue(report.comparison().hasBaseline());
        assertEquals(List.of("now-fails", "now-errors"), report.comparison().regressions());
        assertEquals(List.of("newly-passes"), report.comparison().newPasses());
        assertEquals(EvalReport.REGRESSION, report.exitCode());

        EvalReport noRegression = runner.run("d.jsonl", "t", cases, List.of("still-passes"));
        assertEquals(EvalReport.OK, noRegression.exitCode(), "a case outside the baseline failing is no regression");
        assertEquals(List.of("still-passes", "newly-passes"), noRegression.passingIds());
    }

    @Test
    void aGraderThatThrowsFailsItsExpectationNotTheRun() throws Exception {
        Grader broken = new Grader() {
            @Override
            public String kind() {
                return "judge";
            }

            @Override
            public Score grade(RunTranscript run) {
                throw new IllegalStateException("judge exploded");
            }
        };
        EvalReport report = new EvalRunner(new EchoTarget(), tickingClock(), 1).run("d.jsonl", "t",
                List.of(evalCase("judged", "hi", List.of(), broken, replyContains("echo"))), null);

        CaseResult result = report.results().get(0);
        assertEquals(CaseResult.Outcome.FAIL, result.outcome());
        assertEquals("the grader failed: judge exploded", result.failingScores().get(0).explanation());
        assertTrue(result.scores().get(1).passed());
    }

    @Test
    void refusesAConcurrencyBelowOne() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new EvalRunner(new EchoTarget(), tickingClock(), 0));
    }
}
