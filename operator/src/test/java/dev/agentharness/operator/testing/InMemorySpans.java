package dev.agentharness.operator.testing;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.arc.lookup.LookupIfProperty;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Every span the operator finishes, for assertions (Quarkus hands CDI span exporters every span). Only in profiles
 * that ask for it ({@link OwnOperatorProfile}): any span exporter of the application's switches Quarkus's OTLP
 * exporter off, and the other tests run the operator as deployed (OperatorSurfaceTest checks it exports nothing).
 */
public class InMemorySpans {

    public static final String ENABLED = "agentharness.test.in-memory-spans";

    @Produces
    @Singleton
    @LookupIfProperty(name = ENABLED, stringValue = "true")
    InMemorySpanExporter exporter() {
        return InMemorySpanExporter.create();
    }
}
