package dev.agentharness.runtime.state;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.util.function.Supplier;

/**
 * A client span around the run's heaviest statements (its journal appends and its completion), named and attributed
 * after OpenTelemetry's database conventions ({@code db.system.name}, {@code db.operation.name},
 * {@code db.collection.name}; span name {@code {operation} {collection}}). No query text and no parameters: the
 * statements are fixed, and the parameters are the run's content. A child of whatever span is current — the run's.
 */
final class StatementSpans {

    static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("db.system.name");
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("db.operation.name");
    static final AttributeKey<String> COLLECTION = AttributeKey.stringKey("db.collection.name");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    /** For the stores' plain constructors (tests, tools): spans go nowhere. */
    static final Tracer NONE = OpenTelemetry.noop().getTracer("agent-harness");

    private StatementSpans() {
    }

    static <T> T traced(Tracer tracer, String operation, String collection, Supplier<T> statement) {
        Span span = tracer.spanBuilder(operation + " " + collection).setSpanKind(SpanKind.CLIENT)
                .setAttribute(SYSTEM, "postgresql").setAttribute(OPERATION, operation)
                .setAttribute(COLLECTION, collection).startSpan();
        try {
            return statement.get();
        } catch (RuntimeException e) {
            span.setStatus(StatusCode.ERROR);
            span.setAttribute(ERROR_TYPE, e.getClass().getName());
            throw e;
        } finally {
            span.end();
        }
    }
}
