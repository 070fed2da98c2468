package dev.agentharness.runtime.runs;

import dev.agentharness.api.RunStatus;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.runtime.evals.EvaluatorSampling;
import dev.agentharness.runtime.evals.Grader;
import dev.agentharness.runtime.evals.InlineEvaluator;
import dev.agentharness.runtime.evals.Score;
import dev.agentharness.runtime.observability.EvaluationSpans;
import dev.agentharness.runtime.observability.HarnessMetrics;
import dev.agentharness.runtime.state.EvalScores;
import dev.agentharness.runtime.state.RunRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

import static io.opentelemetry.api.common.AttributeKey.doubleKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inline evaluation off the run's path: it returns at once whatever the evaluators do, a throwing evaluator is scored
 * as failed without stopping the others, a full queue skips (counted) instead of waiting, only succeeded runs are
 * graded, sampling is fixed by the run id, and each score is a {@code gen_ai.evaluation.result} event under the run's
 * root span (the explanation only with content capture).
 */
class InlineEvaluationsTest {

    private static final OffsetDateTime AT = OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC);
    private static final SpanContext RUN_SPAN = SpanContext.create("0af7651916cd43dd8448eb211c80319c",
            "b7ad6b7169203331", TraceFlags.getSampled(), TraceState.getDefault());

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final HarnessMetrics metrics = new HarnessMetrics(registry);
    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final SdkTracerProvider tracing = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exported)).build();
    /** Stored scores by run id. */
    private final Map<String, List<EvalScores.NewScore>> stored = new ConcurrentHashMap<>();
    private final List<InlineEvaluations> started = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(InlineEvaluations::stop);
        tracing.close();
    }

    private InlineEvaluations evaluations(Function<String, List<InlineEvaluator>> evaluators, boolean capture,
                                          int maxPending) {
        InlineEvaluations evaluations = new InlineEvaluations(evaluators,
                (run, scores, at) -> stored.put(run.runId(), scores), metrics,
                new EvaluationSpans(tracing.get("test"), capture), Clock.systemUTC(), true, maxPending, 4);
        started.add(evaluations);
        return evaluations;
    }

    static RunRecord run(String id, RunStatus status, String reply) {
        return new RunRecord(id, "ses_1", "alice", "maya", "m", status, null, "hello", "{}", "h", null, reply, 10, 5,
                0.1, "0af7651916cd43dd8448eb211c80319c", false, false, 10, null, false, 1, null, null, AT, AT, AT, AT,
                1L, 0, 1, 3, "run_" + status.wire(), null);
    }

    static InlineEvaluator evaluator(String name, Grader grader) {
        return new InlineEvaluator(name, grader, 1);
    }

    static Grader grader(String kind, String name, java.util.function.Function<RunTranscript, Score> grade) {
        return new Grader() {
            @Override
            public String kind() {
                return kind;
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public Score grade(RunTranscript run) {
                return grade.apply(run);
            }
        };
    }

    private double counted(String evaluator, String result) {
        var counter = registry.find("agentharness.evaluations").tag("evaluator", evaluator).tag("result", result)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aThrowingEvaluatorIsScoredAsFailedAndTheOthersStillGrade_eachScoreAnEventUnderTheRunsRoot() {
        List<InlineEvaluator> evaluators = List.of(
                evaluator("short", grader("reply_max_length", "short", run -> Score.pass("short", "5 characters"))),
                evaluator("broken", grader("reply_regex", "broken", run -> {
                    throw new IllegalStateException("boom with a secret-ish message");
                })),
                evaluator("helpful", grader("judge", "helpful",
                        run -> new Score("helpful", 0.4, "poor", false, "missing \"plan\""))));
        InlineEvaluations evaluations = evaluations(agent -> evaluators, false, 8);

        assertTrue(evaluations.finished(run("run_a", RunStatus.SUCCEEDED, "Hi Jo"), List.of(), RUN_SPAN));

        await().until(() -> stored.containsKey("run_a") && !exported.getFinishedSpanItems().isEmpty());
        List<EvalScores.NewScore> scores = stored.get("run_a");
        assertEquals(List.of("short", "broken", "helpful"), scores.stream().map(EvalScores.NewScore::evaluator).toList());
        assertEquals(new EvalScores.NewScore("broken", "reply_regex", 0, "fail", false,
                "the evaluator failed: IllegalStateException"), scores.get(1), "the exception's message is not kept");
        assertEquals(1, counted("short", "passed"));
        assertEquals(1, counted("broken", "error"));
        assertEquals(1, counted("helpful", "failed"));

        SpanData span = exported.getFinishedSpanItems().getFirst();
        assertEquals("evaluation maya", span.getName());
        assertEquals(RUN_SPAN.getTraceId(), span.getTraceId());
        assertEquals(RUN_SPAN.getSpanId(), span.getParentSpanId());
        assertEquals("run_a", span.getAttributes().get(stringKey("run_id")));
        List<EventData> events = span.getEvents();
        assertEquals(3, events.size());
        events.forEach(event -> assertEquals(EvaluationSpans.EVENT, event.getName()));
        EventData judge = events.get(2);
        assertEquals("helpful", judge.getAttributes().get(stringKey("gen_ai.evaluation.name")));
        assertEquals(0.4, judge.getAttributes().get(doubleKey("gen_ai.evaluation.score.value")));
        assertEquals("poor", judge.getAttributes().get(stringKey("gen_ai.evaluation.score.label")));
        assertNull(judge.getAttributes().get(stringKey("gen_ai.evaluation.explanation")),
                "the explanation quotes the run: content, off by default");
    }

    @Test
    void withContentCaptureTheExplanationIsOnTheEvent_signedLinksRedacted() {
        InlineEvaluations evaluations = evaluations(agent -> List.of(evaluator("linked", grader("reply_contains",
                "linked", run -> Score.fail("linked", "reply: see https://x.example/f?X-Amz-Signature=abc")))), true, 8);
        evaluations.finished(run("run_c", RunStatus.SUCCEEDED, "see"), List.of(), RUN_SPAN);

        await().until(() -> !exported.getFinishedSpanItems().isEmpty());
        assertEquals("reply: see https://x.example/f?[redacted]", exported.getFinishedSpanItems().getFirst().getEvents()
                .getFirst().getAttributes().get(stringKey("gen_ai.evaluation.explanation")));
    }

    @Test
    void aFullQueueSkipsTheRunAndCountsIt_neverWaiting() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch grading = new CountDownLatch(1);
        InlineEvaluations evaluations = evaluations(agent -> List.of(evaluator("slow", grader("judge", "slow", run -> {
            grading.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Score.pass("slow", "");
        }))), false, 1);

        // The first run's evaluator blocks; finished() has returned all the same (else this test would hang here).
        assertTrue(evaluations.finished(run("run_1", RunStatus.SUCCEEDED, "a"), List.of(), RUN_SPAN));
        grading.await();
        assertFalse(evaluations.finished(run("run_2", RunStatus.SUCCEEDED, "b"), List.of(), RUN_SPAN),
                "one pending evaluation fills a queue of one");
        assertEquals(1, registry.find("agentharness.evaluations.skipped").counter().count());

        release.countDown();
        await().until(() -> stored.containsKey("run_1"));
        assertFalse(stored.containsKey("run_2"));
        // The permit is back: the next run is evaluated again.
        await().until(() -> evaluations.finished(run("run_3", RunStatus.SUCCEEDED, "c"), List.of(), RUN_SPAN));
        await().until(() -> stored.containsKey("run_3"));
    }

    @Test
    void onlySucceededRunsWithEvaluatorsAreGraded_andAStoreFailureIsSwallowed() {
        InlineEvaluations evaluations = new InlineEvaluations(
                agent -> agent.equals("maya") ? List.of(evaluator("ok", grader("status", "ok", r -> Score.pass("ok", ""))))
                        : List.of(),
                (run, scores, at) -> {
                    throw new IllegalStateException("database down");
                }, metrics, new EvaluationSpans(tracing.get("test"), false), Clock.systemUTC(), true, 8, 2);
        started.add(evaluations);

        assertFalse(evaluations.finished(run("run_f", RunStatus.FAILED, null), List.of(), RUN_SPAN));
        assertFalse(evaluations.finished(run("run_x", RunStatus.CANCELLED, null), List.of(), RUN_SPAN));
        assertTrue(evaluations.finished(run("run_s", RunStatus.SUCCEEDED, "fine"), List.of(), RUN_SPAN));
        // The store failed; the evaluation still counts and reaches the trace.
        await().until(() -> counted("ok", "passed") == 1 && !exported.getFinishedSpanItems().isEmpty());
    }

    @Test
    void samplingIsFixedByTheRunIdAndTheEvaluator() {
        InlineEvaluator tenth = new InlineEvaluator("helpful", grader("judge", "helpful", r -> Score.pass("helpful", "")),
                0.1);
        int sampled = 0;
        for (int i = 0; i < 2000; i++) {
            boolean first = EvaluatorSampling.sampled("run_" + i, tenth);
            assertEquals(first, EvaluatorSampling.sampled("run_" + i, tenth), "the same run, the same decision");
            sampled += first ? 1 : 0;
        }
        assertTrue(sampled > 140 && sampled < 260, "about a tenth of 2000 runs: " + sampled);
        assertTrue(EvaluatorSampling.sampled("run_1", "x", 1));
        assertFalse(EvaluatorSampling.sampled("run_1", "x", 0));
    }
}
