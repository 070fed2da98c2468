package dev.agentharness.runtime.testing;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** Collects finished spans in memory so tests can assert on attributes (Quarkus exports to every SpanExporter bean). */
public class InMemorySpans {

    @Produces
    @ApplicationScoped
    InMemorySpanExporter exporter() {
        return InMemorySpanExporter.create();
    }
}
