package dev.agentharness.runtime.sandbox;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;

/**
 * Live spans for a run's sandbox work (provisioning, the tool operations in it, snapshots), children of whatever
 * span is current — the run's. Attributes: the provider, the sandbox id, the outcome; never a command or a file's
 * content (a tool's arguments reach spans only through the run's own {@code execute_tool} spans, and only with
 * content capture on).
 */
public final class SandboxSpans {

    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("sandbox.provider");
    static final AttributeKey<String> SANDBOX_ID = AttributeKey.stringKey("sandbox.id");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("sandbox.outcome");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    /** Spans go nowhere (tests and tools). */
    public static final SandboxSpans NONE = new SandboxSpans(OpenTelemetry.noop().getTracer("agent-harness"));

    private final Tracer tracer;

    public SandboxSpans(Tracer tracer) {
        this.tracer = tracer;
    }

    /** Something the sandbox does that may fail. */
    @FunctionalInterface
    interface Work<T> {
        T run(Span span) throws SandboxException;
    }

    /**
     * Runs {@code work} inside a span {@code sandbox {operation}} ({@code provision}, {@code exec} — a tool's
     * operation in the sandbox —, {@code snapshot}: the operations of the sandbox metrics) that records its outcome.
     */
    <T> T traced(String operation, String provider, String sandboxId, Work<T> work) throws SandboxException {
        Span span = tracer.spanBuilder("sandbox " + operation).setAttribute(PROVIDER, provider).startSpan();
        if (sandboxId != null) {
            span.setAttribute(SANDBOX_ID, sandboxId);
        }
        try (Scope ignored = span.makeCurrent()) {
            T result = work.run(span);
            span.setAttribute(OUTCOME, "ok");
            return result;
        } catch (SandboxException | RuntimeException e) {
            span.setAttribute(OUTCOME, "error");
            span.setAttribute(ERROR_TYPE, e.getClass().getSimpleName());
            span.setStatus(StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }
}
