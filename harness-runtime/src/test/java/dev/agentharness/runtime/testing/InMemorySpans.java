package dev.agentharness.runtime.testing;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Singleton;

/**
 * Collects finished spans in memory so tests can assert on attributes. The exporter is a bean of its own type only,
 * fed by a span processor bean: a bean of type {@code SpanExporter} would make Quarkus skip its own OTLP exporter,
 * which the export tests need.
 */
public class InMemorySpans {

    @Produces
    @Singleton
    @Typed(InMemorySpanExporter.class)
    InMemorySpanExporter exporter() {
        return InMemorySpanExporter.create();
    }

    @Produces
    @Singleton
    SpanProcessor inMemory(InMemorySpanExporter exporter) {
        return SimpleSpanProcessor.create(exporter);
    }
}
