package dev.agentharness.operator.observability;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;

import java.util.List;

/**
 * The operator's traces start at a reconciliation: an HTTP call made outside one (the run feed's
 * {@code GET /runs} every poll, the Kubernetes client's API calls, a cancel) would otherwise be a trace of its own,
 * tens of thousands a day, burying the few that matter. Such root client spans are dropped; everything else is
 * decided by the configured sampler ({@code OTEL_TRACES_SAMPLER}, default parent-based always-on).
 */
final class ReconcileRootedSampler implements Sampler {

    private final Sampler configured;

    ReconcileRootedSampler(Sampler configured) {
        this.configured = configured;
    }

    @Override
    public SamplingResult shouldSample(Context parentContext, String traceId, String name, SpanKind spanKind,
                                       Attributes attributes, List<LinkData> parentLinks) {
        if (spanKind == SpanKind.CLIENT && !Span.fromContext(parentContext).getSpanContext().isValid()) {
            return SamplingResult.drop();
        }
        return configured.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
    }

    @Override
    public String getDescription() {
        return "ReconcileRooted{" + configured.getDescription() + "}";
    }
}
