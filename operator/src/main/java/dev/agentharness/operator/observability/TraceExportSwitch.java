package dev.agentharness.operator.observability;

import dev.agentharness.operator.config.OperatorConfig;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.arc.lookup.LookupIfProperty;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.net.URI;
import java.util.Optional;
import java.util.Set;

/**
 * No {@code OTEL_EXPORTER_OTLP_ENDPOINT}, no export. Quarkus 3.33's OTLP exporter cannot be switched off at run time:
 * {@code quarkus.otel.exporter.otlp.enabled} is fixed at build time, and an unset or empty endpoint falls back to
 * {@code http://localhost:4317/} (quarkusio/quarkus#44200), which would be retried and logged as failing on every
 * batch. Quarkus leaves its OTLP exporter out when the application has a {@link SpanExporter} of its own; this one,
 * which drops everything, exists for lookup only while the endpoint is unset. Spans are still created (and the
 * {@code traceparent} still sent), only nothing leaves the process.
 */
public class TraceExportSwitch {

    private static final Logger LOG = Logger.getLogger(TraceExportSwitch.class);
    /** A value no endpoint has: the exporter below is looked up only while the property is missing (empty). */
    private static final String UNSET = "<unset>";
    private static final Set<String> PROTOCOLS = Set.of("grpc", "http/protobuf");

    @Produces
    @Singleton
    @LookupIfProperty(name = "agentharness.operator.otel.endpoint", stringValue = UNSET, lookupIfMissing = true)
    SpanExporter noExportWithoutEndpoint() {
        return SpanExporter.composite();
    }

    void onStart(@Observes StartupEvent start, OperatorConfig config) {
        LOG.info(describe(config.otelEndpoint(), config.otelProtocol()));
    }

    /**
     * One line on where spans go; refuses what Quarkus's exporter would refuse, naming the variable. Only scheme,
     * host and port of the endpoint are shown; the headers (which may hold keys) never are.
     */
    static String describe(Optional<String> endpoint, String protocol) {
        if (endpoint.isEmpty() || endpoint.get().isBlank()) {
            return "trace export off: set OTEL_EXPORTER_OTLP_ENDPOINT to send the operator's spans to a collector";
        }
        if (!PROTOCOLS.contains(protocol)) {
            throw new IllegalStateException("OTEL_EXPORTER_OTLP_PROTOCOL must be grpc or http/protobuf");
        }
        URI uri;
        try {
            uri = URI.create(endpoint.get().strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("OTEL_EXPORTER_OTLP_ENDPOINT is not a URL");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalStateException("OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL");
        }
        return "exporting traces over OTLP (" + protocol + ") to " + uri.getScheme() + "://" + uri.getHost()
                + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    }
}
