package dev.agentharness.runtime.evals;

import dev.agentharness.api.RunTranscript;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Runs every case of a dataset through a {@link RunTarget}, at most {@code concurrency} at a time (one virtual
 * thread per case, a semaphore for the limit: the cases wait on HTTP, not on the CPU), grades each finished run with
 * its case's graders and compares the outcome with a baseline. A case the target cannot run is an ERROR result,
 * never an exception: one bad case must not hide the others' results.
 */
public final class EvalRunner {

    private final RunTarget target;
    private final Clock clock;
    private final int concurrency;

    public EvalRunner(RunTarget target, Clock clock, int concurrency) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1: " + concurrency);
        }
        this.target = target;
        this.clock = clock;
        this.concurrency = concurrency;
    }

    /**
     * @param dataset         the dataset's name for the report
     * @param targetName      the target's name for the report (no credentials)
     * @param baselinePassing the baseline's passing case ids, or {@code null} without a baseline
     */
    public EvalReport run(String dataset, String targetName, List<EvalCase> cases, Collection<String> baselinePassing)
            throws InterruptedException {
        Instant started = clock.instant();
        Semaphore permits = new Semaphore(concurrency);
        List<Future<CaseResult>> futures = new ArrayList<>();
        try (ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("eval-", 0).factory())) {
            for (EvalCase evalCase : cases) {
                futures.add(threads.submit(() -> {
                    permits.acquire();
                    try {
                        return runOne(evalCase);
                    } finally {
                        permits.release();
                    }
                }));
            }
            List<CaseResult> results = new ArrayList<>();
            for (int i = 0; i < futures.size(); i++) {
                results.add(result(cases.get(i), futures.get(i)));
            }
            return new EvalReport(dataset, targetName, started, clock.instant(), results,
                    compare(results, baselinePassing));
        } catch (InterruptedException e) {
            futures.forEach(future -> future.cancel(true));
            throw e;
        }
    }

    /** Runs and grades one case; never throws (but for an interrupt). */
    CaseResult runOne(EvalCase evalCase) throws InterruptedException {
        RunTranscript run;
        try {
            run = target.run(evalCase);
        } catch (EvalTargetException e) {
            return CaseResult.error(evalCase.id(), evalCase.tags(), evalCase.source(), e.getMessage());
        } catch (RuntimeException e) {
            return CaseResult.error(evalCase.id(), evalCase.tags(), evalCase.source(),
                    "the target failed: " + describe(e));
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException();
        }
        List<Score> scores = new ArrayList<>();
        for (Grader grader : evalCase.graders()) {
            scores.add(grade(grader, run));
        }
        return new CaseResult(evalCase.id(), evalCase.tags(), evalCase.source(), run, scores, null,
                safeLink(run));
    }

    private static Score grade(Grader grader, RunTranscript run) {
        try {
            return grader.grade(run);
        } catch (RuntimeException e) {
            // Graders promise not to throw; one that does fails its expectation instead of the whole eval.
            return Score.fail(grader.name(), "the grader failed: " + describe(e));
        }
    }

    private String safeLink(RunTranscript run) {
        try {
            return target.traceLink(run);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static CaseResult result(EvalCase evalCase, Future<CaseResult> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            return CaseResult.error(evalCase.id(), evalCase.tags(), evalCase.source(), describe(e.getCause()));
        }
    }

    /** Regressions: baseline cases failing or erroring now; new passes: passing cases the baseline does not list. */
    public static EvalReport.Comparison compare(List<CaseResult> results, Collection<String> baselinePassing) {
        if (baselinePassing == null) {
            return EvalReport.Comparison.NONE;
        }
        Set<String> baseline = new LinkedHashSet<>(baselinePassing);
        List<String> regressions = new ArrayList<>();
        List<String> newPasses = new ArrayList<>();
        for (CaseResult result : results) {
            if (baseline.contains(result.caseId()) && !result.passed()) {
                regressions.add(result.caseId());
            } else if (!baseline.contains(result.caseId()) && result.passed()) {
                newPasses.add(result.caseId());
            }
        }
        return new EvalReport.Comparison(true, regressions, newPasses);
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
