package dev.agentharness.runtime.runs;

import io.opentelemetry.api.trace.SpanContext;
import org.jboss.logging.MDC;

/**
 * The keys on every log line written for a run — {@code run_id}, {@code trace_id}, {@code span_id} — in the logging
 * MDC of the current thread, so a line in the logs leads to the run's row, its stored trace and its OpenTelemetry trace
 * (the text format prints them; JSON logs carry them in {@code mdc}). Closing removes them: executor and request
 * threads are reused for other runs.
 */
final class RunLogContext implements AutoCloseable {

    static final String RUN_ID = "run_id";
    static final String TRACE_ID = "trace_id";
    static final String SPAN_ID = "span_id";

    private RunLogContext() {
    }

    /**
     * @param span the span the lines are written under (the run's root in its executor, the request's span when it is
     *             submitted); an invalid one leaves trace_id from {@code traceId} and span_id empty
     * @param traceId the run's trace id, used when {@code span} is invalid (export off and no incoming traceparent)
     */
    static RunLogContext enter(String runId, SpanContext span, String traceId) {
        MDC.put(RUN_ID, runId);
        if (span.isValid()) {
            MDC.put(TRACE_ID, span.getTraceId());
            MDC.put(SPAN_ID, span.getSpanId());
        } else if (traceId != null) {
            MDC.put(TRACE_ID, traceId);
        }
        return new RunLogContext();
    }

    @Override
    public void close() {
        MDC.remove(RUN_ID);
        MDC.remove(TRACE_ID);
        MDC.remove(SPAN_ID);
    }
}
