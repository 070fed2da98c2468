package dev.agentharness.runtime.observability;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import jakarta.inject.Singleton;

/**
 * Puts {@code run_id} and {@code session.id} on every span started inside a run, whoever starts it: taken from the
 * {@link RunContext} mark of the parent context, else from the parent span when it is one of this process's and
 * carries them (a span started under a run's span on another thread, where only the span was handed over). Quarkus
 * adds every {@link SpanProcessor} bean to its tracer provider. Cheap: a context lookup per span start, nothing at end.
 */
@Singleton
public final class RunAttributesProcessor implements SpanProcessor {

    public static final AttributeKey<String> RUN_ID = AttributeKey.stringKey("run_id");
    public static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("session.id");

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
        RunContext.of(parentContext).ifPresentOrElse(run -> {
            put(span, RUN_ID, run.runId());
            put(span, SESSION_ID, run.sessionId());
        }, () -> {
            if (Span.fromContext(parentContext) instanceof ReadableSpan parent) {
                put(span, RUN_ID, parent.getAttribute(RUN_ID));
                put(span, SESSION_ID, parent.getAttribute(SESSION_ID));
            }
        });
    }

    private static void put(ReadWriteSpan span, AttributeKey<String> key, String value) {
        if (value != null && span.getAttribute(key) == null) {
            span.setAttribute(key, value);
        }
    }

    @Override
    public boolean isStartRequired() {
        return true;
    }

    @Override
    public void onEnd(io.opentelemetry.sdk.trace.ReadableSpan span) {
    }

    @Override
    public boolean isEndRequired() {
        return false;
    }
}
