package dev.agentharness.runtime.observability;

import com.azure.monitor.opentelemetry.autoconfigure.AzureMonitorAutoConfigure;
import com.azure.monitor.opentelemetry.autoconfigure.AzureMonitorAutoConfigureOptions;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdkBuilder;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.logs.LogRecordProcessor;
import io.opentelemetry.sdk.logs.SdkLoggerProviderBuilder;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.metrics.SdkMeterProviderBuilder;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.quarkus.opentelemetry.runtime.AutoConfiguredOpenTelemetrySdkBuilderCustomizer;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Spans to Azure Application Insights when {@value #VARIABLE} is set, through Microsoft's Azure Monitor exporter
 * ({@code azure-monitor-opentelemetry-autoconfigure}) plugged into the SDK builder Quarkus uses (this is a Quarkus
 * {@link AutoConfiguredOpenTelemetrySdkBuilderCustomizer} bean). The exporter joins the SDK's own batch span processor
 * beside whatever Quarkus configured (its CDI exporters), so every span the sampler keeps goes there too, after
 * {@link SignedLinkRedaction} — the OTLP export (if an endpoint is set) is unaffected, and Phoenix is its own pipeline.
 * Unset or blank: nothing is built.
 * <p>
 * Only traces: the library's {@code customize} also switches the SDK's metric and log exporters to Azure Monitor
 * (Quarkus has OpenTelemetry metrics and logs off — they are build-time switches — and the harness's metrics are
 * Micrometer's at {@code /metrics}), so its property overrides are narrowed to the trace exporter, and Live Metrics
 * (a second endpoint polled every second) stays off.
 * <p>
 * The connection string is a credential (its InstrumentationKey): it is checked here at start — the library's own
 * parser repeats the value in its errors — and never logged; a bad one stops the boot with the variable named.
 */
@Singleton
public final class ApplicationInsightsExport implements AutoConfiguredOpenTelemetrySdkBuilderCustomizer {

    public static final String VARIABLE = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    /** The library refuses longer ones. */
    static final int MAX_LENGTH = 4096;
    private static final Set<String> ENDPOINT_KEYS = Set.of("ingestionendpoint", "liveendpoint", "profilerendpoint");
    private static final String TRACES_EXPORTER = "otel.traces.exporter";

    private final Optional<String> connectionString;
    private final Optional<String> ingestionHost;

    @Inject
    public ApplicationInsightsExport(
            @ConfigProperty(name = "harness.application-insights.connection-string") Optional<String> connectionString) {
        this.connectionString = connectionString.map(String::strip).filter(value -> !value.isEmpty());
        this.ingestionHost = this.connectionString.map(ApplicationInsightsExport::ingestionHost);
    }

    /** Whether spans go to Application Insights. */
    public boolean enabled() {
        return connectionString.isPresent();
    }

    /** The ingestion endpoint's host (not a credential; for the start-up line), when enabled. */
    public Optional<String> ingestionHost() {
        return ingestionHost;
    }

    @Override
    public void customize(AutoConfiguredOpenTelemetrySdkBuilder builder) {
        if (connectionString.isEmpty()) {
            return;
        }
        AzureMonitorAutoConfigureOptions options;
        try {
            options = new AzureMonitorAutoConfigureOptions().connectionString(connectionString.get());
        } catch (RuntimeException e) {
            // Not chained: the library's message quotes the value.
            throw new IllegalArgumentException(VARIABLE + ": refused by the Azure Monitor exporter ("
                    + e.getClass().getSimpleName() + ")");
        }
        AzureMonitorAutoConfigure.customize(new TracesOnly(builder), options);
    }

    /**
     * The ingestion host a valid connection string names (the library's default when it names none), or an
     * {@link IllegalArgumentException} naming {@value #VARIABLE} — never quoting the value. The rules are the
     * library's: {@code key=value} pairs separated by {@code ;}, keys in any case, an InstrumentationKey, endpoints
     * as http(s) URLs with a host, at most {@value #MAX_LENGTH} characters.
     */
    static String ingestionHost(String connectionString) {
        if (connectionString.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(VARIABLE + ": longer than " + MAX_LENGTH + " characters");
        }
        Map<String, String> pairs = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String entry : connectionString.split(";")) {
            if (entry.isBlank()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(VARIABLE + ": every entry must be key=value (separated by ;)");
            }
            pairs.put(entry.substring(0, eq).strip(), entry.substring(eq + 1).strip());
        }
        String key = pairs.get("InstrumentationKey");
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException(VARIABLE + ": no InstrumentationKey (copy the whole connection string "
                    + "from the Application Insights resource's overview)");
        }
        for (Map.Entry<String, String> pair : pairs.entrySet()) {
            if (ENDPOINT_KEYS.contains(pair.getKey().toLowerCase(Locale.ROOT))) {
                endpoint(pair.getKey(), pair.getValue());
            }
        }
        String ingestion = pairs.get("IngestionEndpoint");
        if (ingestion != null) {
            return endpoint("IngestionEndpoint", ingestion).getHost();
        }
        String suffix = pairs.get("EndpointSuffix");
        return suffix != null && !suffix.isEmpty() ? "dc." + suffix : "dc.services.visualstudio.com";
    }

    private static URI endpoint(String name, String value) {
        try {
            URI uri = URI.create(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return uri;
            }
        } catch (IllegalArgumentException e) {
            // reported below, without the value
        }
        throw new IllegalArgumentException(VARIABLE + ": its " + name + " is not an http(s) URL with a host");
    }

    /**
     * {@code otel.traces.exporter} as the SDK had it (Quarkus: {@code cdi}), plus the Azure Monitor exporter; the
     * metric and log exporters as they were; Live Metrics off. The library's other properties (its internal marker)
     * pass unchanged.
     */
    static Map<String, String> tracesOnly(Map<String, String> azure, ConfigProperties current) {
        Map<String, String> out = new HashMap<>(azure);
        out.remove("otel.metrics.exporter");
        out.remove("otel.logs.exporter");
        List<String> exporters = new ArrayList<>(current.getList(TRACES_EXPORTER));
        exporters.remove("none");
        String azureExporter = azure.get(TRACES_EXPORTER);
        if (azureExporter != null && !exporters.contains(azureExporter)) {
            exporters.add(azureExporter);
        }
        out.put(TRACES_EXPORTER, String.join(",", exporters));
        out.put("applicationinsights.live.metrics.enabled", "false");
        return out;
    }

    /**
     * Quarkus's builder as the library sees it: everything passes through except the library's property defaults,
     * which {@link #tracesOnly} narrows (applied after Quarkus's own properties, so it sees them).
     */
    private record TracesOnly(AutoConfiguredOpenTelemetrySdkBuilder sdk) implements AutoConfigurationCustomizer {

        @Override
        public AutoConfigurationCustomizer addPropertiesSupplier(Supplier<Map<String, String>> supplier) {
            sdk.addPropertiesCustomizer(current -> tracesOnly(supplier.get(), current));
            return this;
        }

        @Override
        public AutoConfigurationCustomizer addPropertiesCustomizer(
                Function<ConfigProperties, Map<String, String>> customizer) {
            sdk.addPropertiesCustomizer(customizer);
            return this;
        }

        @Override
        public AutoConfigurationCustomizer addPropagatorCustomizer(
                BiFunction<? super TextMapPropagator, ConfigProperties, ? extends TextMapPropagator> customizer) {
            sdk.addPropagatorCustomizer(customizer);
            return this;
        }

        @Override
        public AutoConfigurationCustomizer addResourceCustomizer(
                BiFunction<? super Resource, ConfigProperties, ? extends Resource> customizer) {
            sdk.addResourceCustomizer(customizer);
            return this;
        }

        @Override
        public AutoConfigurationCustomizer addSamplerCustomizer(
                BiFunction<? super Sampler, ConfigProperties, ? extends Sampler> customizer) {
            sdk.addSamplerCustomizer(customizer);
            return this;
        }

        @Override
        public AutoConfigurationCustomizer addSpanExporterCustomizer(
                BiFunction<? super SpanExporter, ConfigProperties, ? extends SpanExporter> customizer) {
            sdk.addSpanExporterCustomizer(customizer);
            return this;
        }

        @Override
        public AutoConfigurationCustomizer addSpanProcessorCustomizer(
                BiFunction<? super SpanProcessor, ConfigProperties, ? extends SpanProcessor> customizer) {
            sdk.addSpanProcessorCustomizer(customizer);
            return this;
        }

        @Override
        public AutoConfigurationCustomizer addTracerProviderCustomizer(
                BiFunction<SdkTracerProviderBuilder, ConfigProperties, SdkTracerProviderBuilder> customizer) {
            sdk.addTracerProviderCustomizer(customizer);
            return this;
        }

        @Override
        public AutoConfigurationCustomizer addMeterProviderCustomizer(
                BiFunction<SdkMeterProviderBuilder, ConfigProperties, SdkMeterProviderBuilder> customizer) {
            sdk.addMeterProviderCustomizer(customizer);
            return this;
        }

        @Override
        public AutoConfigurationCustomizer addMetricExporterCustomizer(
                BiFunction<? super MetricExporter, ConfigProperties, ? extends MetricExporter> customizer) {
            sdk.addMetricExporterCustomizer(customizer);
            return this;
        }

        @Override
        public AutoConfigurationCustomizer addMetricReaderCustomizer(
                BiFunction<? super MetricReader, ConfigProperties, ? extends MetricReader> customizer) {
            sdk.addMetricReaderCustomizer(customizer);
            return this;
        }

        @Override
        public AutoConfigurationCustomizer addLoggerProviderCustomizer(
                BiFunction<SdkLoggerProviderBuilder, ConfigProperties, SdkLoggerProviderBuilder> customizer) {
            sdk.addLoggerProviderCustomizer(customizer);
            return this;
        }

        @Override
        public AutoConfigurationCustomizer addLogRecordExporterCustomizer(
                BiFunction<? super LogRecordExporter, ConfigProperties, ? extends LogRecordExporter> customizer) {
            sdk.addLogRecordExporterCustomizer(customizer);
            return this;
        }

        @Override
        public AutoConfigurationCustomizer addLogRecordProcessorCustomizer(
                BiFunction<? super LogRecordProcessor, ConfigProperties, ? extends LogRecordProcessor> customizer) {
            sdk.addLogRecordProcessorCustomizer(customizer);
            return this;
        }
    }
}
