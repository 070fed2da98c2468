package dev.agentharness.otel;

import java.util.Set;

/**
 * The environment variables {@link OtlpEnvironment} reads, in a class of their own so that a reader of the names (the
 * chart's tests check that every variable the chart sets is read by its program) needs no SmallRye Config.
 */
public final class OtlpVariables {

    public static final Set<String> ALL = Set.of("OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
            "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_HEADERS",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS");

    private OtlpVariables() {
    }
}
