package dev.agentharness.runtime.observability;

import dev.agentharness.otel.OtlpEnvironment;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
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
 * Where spans go. Quarkus's own OTLP exporter (quarkus-opentelemetry: Vert.x, gRPC or http/protobuf) sends them,
 * configured from the standard {@code OTEL_*} variables by {@link OtlpEnvironment} (module otel-environment, shared
 * with the operator); this class adds what Quarkus's configuration cannot do at run time:
 * <ul>
 *   <li>no endpoint → no exporter: Quarkus builds its exporter unless an application {@link SpanExporter} bean is
 *       visible, and it has no run-time switch of its own (an empty endpoint falls back to localhost:4317, which it
 *       would retry forever — quarkus#44200). {@link #noEndpoint()} is that bean, visible only when no endpoint is
 *       configured, and exports nothing. Spans are still created (run ids on them, trace ids on runs);</li>
 *   <li>{@code APPLICATIONINSIGHTS_CONNECTION_STRING}: Azure Monitor's exporter beside it
 *       ({@link ApplicationInsightsExport});</li>
 *   <li>{@code OTEL_TRACES_SAMPLER}/{@code _ARG}: Quarkus's {@code quarkus.otel.traces.sampler} is fixed at build
 *       time; a {@link Sampler} bean replaces it (see {@link TraceSampling}).</li>
 * </ul>
 * Every exported span passes {@link SignedLinkRedaction} first (a span processor, so it covers every pipeline).
 */
public class TraceExport {

    private static final Logger LOG = Logger.getLogger(TraceExport.class);

    @Produces
    @Singleton
    @LookupUnlessProperty(name = OtlpEnvironment.EXPORTING, stringValue = "true")
    SpanExporter noEndpoint() {
        return SpanExporter.composite();
    }

    @Produces
    @Singleton
    Sampler sampler(@ConfigProperty(name = "harness.otel.traces.sampler") Optional<String> sampler,
                    @ConfigProperty(name = "harness.otel.traces.sampler-arg") Optional<String> argument) {
        return TraceSampling.sampler(sampler.orElse(null), argument.orElse(null));
    }

    void report(@Observes StartupEvent start,
                @ConfigProperty(name = OtlpEnvironment.EXPORTING, defaultValue = "false") boolean exporting,
                @ConfigProperty(name = "quarkus.otel.exporter.otlp.traces.endpoint") Optional<String> endpoint,
                @ConfigProperty(name = "quarkus.otel.exporter.otlp.traces.protocol") Optional<String> protocol,
                ApplicationInsightsExport appInsights) {
        if (exporting) {
            // Scheme and authority only: a URL may carry credentials, headers certainly do; neither is logged.
            URI target = URI.create(endpoint.orElse("").strip());
            LOG.infof("exporting traces over OTLP (%s) to %s://%s", protocol.orElse("grpc"), target.getScheme(),
                    target.getHost() + (target.getPort() < 0 ? "" : ":" + target.getPort()));
        } else if (!appInsights.enabled()) {
            LOG.info("trace export off: set OTEL_EXPORTER_OTLP_ENDPOINT to send spans to a collector");
        }
        // The ingestion host only: the connection string's key is a credential and never logged.
        appInsights.ingestionHost().ifPresent(host -> LOG.infof("exporting traces to Application Insights at %s "
                + "(%s)", host, ApplicationInsightsExport.VARIABLE));
    }
}
