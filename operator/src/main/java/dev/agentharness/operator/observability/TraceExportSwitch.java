package dev.agentharness.operator.observability;

import dev.agentharness.otel.OtlpEnvironment;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.arc.lookup.LookupUnlessProperty;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.URI;
import java.util.Optional;

/**
 * No OTLP endpoint, no export. The standard {@code OTEL_EXPORTER_OTLP_*} variables are read by {@link OtlpEnvironment}
 * (shared with the harness) into Quarkus's {@code quarkus.otel.exporter.otlp.traces.*}, and a bad value stops the start
 * naming the variable. Quarkus 3.33's OTLP exporter cannot be switched off at run time: an unset endpoint falls back
 * to {@code http://localhost:4317/} (quarkusio/quarkus#44200), which would be retried and logged as failing on every
 * batch. Quarkus leaves its exporter out when the application has a {@link SpanExporter} of its own; this one, which
 * drops everything, exists for lookup only while no endpoint is configured. Spans are still created (and the
 * {@code traceparent} still sent), only nothing leaves the process.
 */
public class TraceExportSwitch {

    private static final Logger LOG = Logger.getLogger(TraceExportSwitch.class);

    @Produces
    @Singleton
    @LookupUnlessProperty(name = OtlpEnvironment.EXPORTING, stringValue = "true")
    SpanExporter noExportWithoutEndpoint() {
        return SpanExporter.composite();
    }

    void onStart(@Observes StartupEvent start,
                 @ConfigProperty(name = OtlpEnvironment.EXPORTING, defaultValue = "false") boolean exporting,
                 @ConfigProperty(name = "quarkus.otel.exporter.otlp.traces.endpoint") Optional<String> endpoint,
                 @ConfigProperty(name = "quarkus.otel.exporter.otlp.traces.protocol") Optional<String> protocol) {
        LOG.info(describe(exporting ? endpoint : Optional.empty(), protocol.orElse("grpc")));
    }

    /** One line on where spans go: only scheme, host and port of the endpoint; the headers (keys) never. */
    static String describe(Optional<String> endpoint, String protocol) {
        if (endpoint.isEmpty() || endpoint.get().isBlank()) {
            return "trace export off: set OTEL_EXPORTER_OTLP_ENDPOINT to send the operator's spans to a collector";
        }
        URI uri = URI.create(endpoint.get().strip()); // OtlpEnvironment let only an http(s) URL with a host through
        return "exporting traces over OTLP (" + protocol + ") to " + uri.getScheme() + "://" + uri.getHost()
                + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    }
}
