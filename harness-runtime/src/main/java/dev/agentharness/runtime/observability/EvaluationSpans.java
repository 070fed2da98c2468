package dev.agentharness.runtime.observability;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.List;

/**
 * A run's evaluations on its trace: one short span {@code evaluation <agent>} under the run's root span (it joins the
 * run's trace after the run's own spans were exported), with one {@code gen_ai.evaluation.result} event per evaluator
 * (OpenTelemetry GenAI semantic conventions: {@code gen_ai.evaluation.name}, {@code gen_ai.evaluation.score.value},
 * {@code gen_ai.evaluation.score.label}, {@code gen_ai.evaluation.explanation}). The explanation quotes the run, so it
 * is content: only with {@link MessageCapture}, like messages; every string passes {@link SignedLinkRedaction}.
 * Its parent is local, never remote, so the Phoenix pipeline sends it with its run when the run was sampled.
 */
@Singleton
public class EvaluationSpans {

    public static final String EVENT = "gen_ai.evaluation.result";
    static final AttributeKey<String> NAME = AttributeKey.stringKey("gen_ai.evaluation.name");
    static final AttributeKey<Double> SCORE_VALUE = AttributeKey.doubleKey("gen_ai.evaluation.score.value");
    static final AttributeKey<String> SCORE_LABEL = AttributeKey.stringKey("gen_ai.evaluation.score.label");
    static final AttributeKey<String> EXPLANATION = AttributeKey.stringKey("gen_ai.evaluation.explanation");
    static final AttributeKey<Boolean> PASSED = AttributeKey.booleanKey("agentharness.evaluation.passed");

    /** One evaluator's verdict, as the span shows it. */
    public record Result(String name, double score, String label, boolean passed, String explanation) {
    }

    private final Tracer tracer;
    private final boolean captureContent;

    @Inject
    public EvaluationSpans(Tracer tracer, MessageCapture capture) {
        this(tracer, capture.enabled());
    }

    public EvaluationSpans(Tracer tracer, boolean captureContent) {
        this.tracer = tracer;
        this.captureContent = captureContent;
    }

    /**
     * @param runSpan the run's root span ({@code agent.run}); nothing is emitted when it is not valid
     * @param start   when grading started (the span covers grading and storing)
     */
    public void emit(SpanContext runSpan, String runId, String sessionId, String agent, List<Result> results,
                     Instant start, Instant end) {
        if (runSpan == null || !runSpan.isValid() || results.isEmpty()) {
            return;
        }
        Span span = tracer.spanBuilder("evaluation " + agent).setParent(Context.root().with(Span.wrap(runSpan)))
                .setSpanKind(SpanKind.INTERNAL).setStartTimestamp(start)
                .setAttribute(RunAttributesProcessor.RUN_ID, runId)
                .setAttribute(RunAttributesProcessor.SESSION_ID, sessionId)
                .setAttribute(Keys.AGENT_NAME, agent)
                .setAttribute(Keys.OPERATION, "evaluation")
                .setAttribute(RunSpanTree.OPENINFERENCE_KIND, "EVALUATOR")
                .startSpan();
        for (Result result : results) {
            AttributesBuilder attributes = Attributes.builder().put(NAME, result.name())
                    .put(SCORE_VALUE, result.score()).put(SCORE_LABEL, result.label()).put(PASSED, result.passed());
            if (captureContent && result.explanation() != null && !result.explanation().isEmpty()) {
                attributes.put(EXPLANATION, SignedLinkRedaction.redactText(result.explanation()));
            }
            span.addEvent(EVENT, attributes.build(), end);
        }
        span.end(end);
    }
}
