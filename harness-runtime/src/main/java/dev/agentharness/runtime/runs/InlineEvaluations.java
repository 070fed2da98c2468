package dev.agentharness.runtime.runs;

import dev.agentharness.api.RunStatus;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.runtime.agent.AgentRegistry;
import dev.agentharness.runtime.agent.RunStep;
import dev.agentharness.runtime.evals.EvaluatorSampling;
import dev.agentharness.runtime.evals.InlineEvaluator;
import dev.agentharness.runtime.evals.Score;
import dev.agentharness.runtime.observability.EvaluationSpans;
import dev.agentharness.runtime.observability.HarnessMetrics;
import dev.agentharness.runtime.state.EvalScores;
import dev.agentharness.runtime.state.RunRecord;
import io.opentelemetry.api.trace.SpanContext;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Inline evaluation: after a run's completion committed on this replica, the evaluators declared with the agent the
 * run started with grade its transcript (built from its journal) off the run's path, and their scores go to
 * {@code public.eval_scores} (source {@code inline}), the metrics and the run's trace ({@link EvaluationSpans}).
 *
 * <p>It never blocks, slows or fails a run: {@link #finished} only takes a permit and hands the work to a virtual
 * thread; when {@code max-pending} runs are already waiting, the run is not evaluated and the skip is counted. An
 * evaluator that throws is scored as failed ({@code result="error"}); a store that fails is logged. Pending evaluations
 * of a replica that stops are lost (the nightly job grades a sample of every run anyway).
 *
 * <p>Which runs: those that succeeded — the graders judge a reply and what led to it; a run that failed or was
 * cancelled is counted by the run metrics with its reason. Each evaluator grades a {@code sample} fraction of runs,
 * drawn from the run id ({@link EvaluatorSampling}), so replays and replicas agree.
 */
@ApplicationScoped
public class InlineEvaluations {

    private static final Logger LOG = Logger.getLogger(InlineEvaluations.class);

    /** Where scores go: {@link EvalScores#upsert} in the harness. */
    @FunctionalInterface
    public interface ScoreStore {
        void store(RunRecord run, List<EvalScores.NewScore> scores, Instant evaluatedAt);
    }

    private final Function<String, List<InlineEvaluator>> evaluatorsOf;
    private final ScoreStore store;
    private final HarnessMetrics metrics;
    private final EvaluationSpans spans;
    private final Clock clock;
    private final boolean enabled;
    private final Semaphore pending;
    private final Semaphore grading;
    private final ExecutorService executor =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("evaluation-", 0).factory());

    @Inject
    public InlineEvaluations(AgentRegistry agents, EvalScores scores, HarnessMetrics metrics, EvaluationSpans spans,
                             Clock clock, InlineEvalSettings settings) {
        this(agents::evaluators, (run, list, at) -> scores.upsert(run.runId(), EvalScores.INLINE, list, at), metrics,
                spans, clock, settings.enabled(), settings.maxPending(), settings.concurrency());
    }

    public InlineEvaluations(Function<String, List<InlineEvaluator>> evaluatorsOf, ScoreStore store,
                             HarnessMetrics metrics, EvaluationSpans spans, Clock clock, boolean enabled,
                             int maxPending, int concurrency) {
        if (maxPending < 1 || concurrency < 1) {
            throw new IllegalArgumentException("harness.evals.inline.max-pending and .concurrency must be at least 1");
        }
        this.evaluatorsOf = evaluatorsOf;
        this.store = store;
        this.metrics = metrics;
        this.spans = spans;
        this.clock = clock;
        this.enabled = enabled;
        this.pending = new Semaphore(maxPending);
        this.grading = new Semaphore(concurrency);
    }

    /**
     * The run's completion committed (and its spans ended): queue its evaluation. Returns at once, never throws.
     *
     * @param journal the run's whole journal, as this replica wrote and replayed it (no read-back)
     * @param runSpan the run's root span, the parent of the evaluation span
     * @return whether an evaluation was queued
     */
    public boolean finished(RunRecord run, List<RunStep> journal, SpanContext runSpan) {
        return finished(run, journal, runSpan, null);
    }

    /**
     * As {@link #finished(RunRecord, List, SpanContext)} with the evaluators of the run's agent in hand (a tenant
     * agent's come from the version the run used); null: the registry's for the run's agent.
     */
    public boolean finished(RunRecord run, List<RunStep> journal, SpanContext runSpan,
                            List<InlineEvaluator> agentEvaluators) {
        try {
            if (!enabled || run.status() != RunStatus.SUCCEEDED) {
                return false;
            }
            List<InlineEvaluator> declared = agentEvaluators != null ? agentEvaluators : evaluatorsOf.apply(run.agent());
            List<InlineEvaluator> evaluators = declared.stream()
                    .filter(evaluator -> EvaluatorSampling.sampled(run.runId(), evaluator)).toList();
            if (evaluators.isEmpty()) {
                return false;
            }
            if (!pending.tryAcquire()) {
                metrics.evaluationSkipped();
                LOG.debugf("run %s not evaluated: the evaluation queue is full", run.runId());
                return false;
            }
            List<RunStep> steps = List.copyOf(journal);
            try {
                executor.execute(() -> {
                    try {
                        evaluate(run, steps, runSpan, evaluators);
                    } finally {
                        pending.release();
                    }
                });
            } catch (RejectedExecutionException e) {
                pending.release();
                metrics.evaluationSkipped();
                return false;
            }
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("run %s not evaluated: %s", run.runId(), e.toString());
            return false;
        }
    }

    private void evaluate(RunRecord run, List<RunStep> journal, SpanContext runSpan,
                          List<InlineEvaluator> evaluators) {
        RunLogContext logged = RunLogContext.enter(run.runId(), runSpan == null ? SpanContext.getInvalid() : runSpan,
                run.traceId());
        boolean acquired = false;
        try {
            grading.acquire();
            acquired = true;
            Instant start = clock.instant();
            RunTranscript transcript = RunTranscriptReader.transcript(run, journal);
            List<EvalScores.NewScore> scores = new ArrayList<>();
            List<EvaluationSpans.Result> results = new ArrayList<>();
            List<String> outcomes = new ArrayList<>();
            for (InlineEvaluator evaluator : evaluators) {
                Score score;
                String outcome;
                try {
                    score = evaluator.grader().grade(transcript);
                    outcome = score.passed() ? "passed" : "failed";
                } catch (RuntimeException | StackOverflowError e) {
                    score = Score.fail(evaluator.name(), "the evaluator failed: " + e.getClass().getSimpleName());
                    outcome = "error";
                    // The class only: a message may quote the run.
                    LOG.warnf("evaluator %s failed on run %s: %s", evaluator.name(), run.runId(),
                            e.getClass().getName());
                }
                scores.add(new EvalScores.NewScore(evaluator.name(), evaluator.grader().kind(), score.value(),
                        score.label(), score.passed(), score.explanation()));
                results.add(new EvaluationSpans.Result(evaluator.name(), score.value(), score.label(), score.passed(),
                        score.explanation()));
                outcomes.add(outcome);
            }
            Instant end = clock.instant();
            try {
                store.store(run, scores, end);
            } catch (RuntimeException e) {
                LOG.warnf("scores of run %s not stored: %s", run.runId(), e.getMessage());
            }
            for (int i = 0; i < scores.size(); i++) {
                metrics.evaluated(run.agent(), scores.get(i).evaluator(), outcomes.get(i));
            }
            spans.emit(runSpan, run.runId(), run.sessionId(), run.agent(), results, start, end);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warnf("run %s not evaluated: %s", run.runId(), e.getClass().getName());
        } finally {
            if (acquired) {
                grading.release();
            }
            logged.close();
        }
    }

    @PreDestroy
    void stop() {
        executor.shutdownNow();
    }
}
