package dev.agentharness.runtime.observability;

import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.URI;
import java.util.Optional;

/**
 * Where spans go: OTLP over HTTP (protobuf) to {@code OTEL_EXPORTER_OTLP_ENDPOINT} — an
 * OpenTelemetry Collector, Phoenix, or Azure Monitor's OTLP ingestion — with
 * {@code OTEL_EXPORTER_OTLP_HEADERS} ({@code k=v,k2=v2}) for their auth. Unset, spans are still
 * created (run ids on them, trace ids on runs) but go nowhere, instead of failing to reach a
 * collector that is not there on every batch.
 */
public class TraceExport {

    private static final Logger LOG = Logger.getLogger(TraceExport.class);

    // Built at startup on the main thread: created lazily, it would be built on the span
    // processor's worker thread, which has no configuration in scope.
    @Produces
    @Singleton
    @Startup
    SpanExporter otlp(@ConfigProperty(name = "harness.otel.endpoint") Optional<String> endpoint,
                      @ConfigProperty(name = "harness.otel.headers") Optional<String> headers) {
        if (endpoint.isEmpty() || endpoint.get().isBlank()) {
            LOG.info("trace export off: set OTEL_EXPORTER_OTLP_ENDPOINT to send spans to a collector");
            return SpanExporter.composite();
        }
        String base = endpoint.get().strip().replaceAll("/+$", "");
        URI traces = URI.create(base.endsWith("/v1/traces") ? base : base + "/v1/traces");
        OtlpHttpSpanExporterBuilder builder = OtlpHttpSpanExporter.builder().setEndpoint(traces.toString());
        headers.ifPresent(spec -> {
            for (String pair : spec.split(",")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    builder.addHeader(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
                }
            }
        });
        // Only scheme, host and port: the path is public, but headers may hold keys and never get logged.
        LOG.infof("exporting traces over OTLP/HTTP to %s://%s", traces.getScheme(), traces.getAuthority());
        return new SignedLinkRedaction(builder.build());
    }

    void close(@Disposes SpanExporter exporter) {
        exporter.shutdown();
    }
}
