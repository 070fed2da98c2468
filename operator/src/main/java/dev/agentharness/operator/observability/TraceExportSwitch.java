package dev.agentharness.operator.observability;

import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.arc.lookup.LookupIfProperty;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * No {@code OTEL_EXPORTER_OTLP_ENDPOINT}, no export. Quarkus 3.33's OTLP exporter cannot be switched off at run time:
 * {@code quarkus.otel.exporter.otlp.enabled} is fixed at build time, and an unset or empty endpoint falls back to
 * {@code http://localhost:4317/} (quarkusio/quarkus#44200), which would be retried and logged as failing on every
 * batch. Quarkus leaves its OTLP exporter out when the application has a {@link SpanExporter} of its own; this one,
 * which drops everything, exists for lookup only while the endpoint is unset. Spans are still created (and the
 * {@code traceparent} still sent), only nothing leaves the process.
 */
public class TraceExportSwitch {

    /** A value no endpoint has: the exporter below is looked up only while the property is missing (empty). */
    private static final String UNSET = "<unset>";

    @Produces
    @Singleton
    @LookupIfProperty(name = "agentharness.operator.otel.endpoint", stringValue = UNSET, lookupIfMissing = true)
    SpanExporter noExportWithoutEndpoint() {
        return SpanExporter.composite();
    }
}
