package dev.agentharness.runtime.observability;

import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * APPLICATIONINSIGHTS_CONNECTION_STRING checked at start as the Azure Monitor exporter reads it, refused with the
 * variable named and the value never repeated; and the exporter's property overrides narrowed to traces.
 */
class ApplicationInsightsExportConfigTest {

    private static final String KEY = "5f2c1d7e-0a4b-4c3d-9e8f-123456789abc";

    private static IllegalArgumentException refused(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ApplicationInsightsExport(Optional.of(value)));
        assertTrue(e.getMessage().startsWith("APPLICATIONINSIGHTS_CONNECTION_STRING: "), e.getMessage());
        assertFalse(e.getMessage().contains(KEY), "the key is never repeated: " + e.getMessage());
        return e;
    }

    @Test
    void unsetOrBlankBuildsNothing() {
        assertFalse(new ApplicationInsightsExport(Optional.empty()).enabled());
        assertFalse(new ApplicationInsightsExport(Optional.of("  ")).enabled());
    }

    @Test
    void aPortalConnectionStringIsAcceptedAndOnlyItsIngestionHostIsShown() {
        ApplicationInsightsExport export = new ApplicationInsightsExport(Optional.of("InstrumentationKey=" + KEY
                + ";IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint="
                + "https://westeurope.livediagnostics.monitor.azure.com/;ApplicationId=0b1d2c3e-aaaa-bbbb-cccc-0123"));
        assertTrue(export.enabled());
        assertEquals(Optional.of("westeurope-5.in.applicationinsights.azure.com"), export.ingestionHost());
    }

    @Test
    void keysAreCaseInsensitiveAndTheDefaultEndpointsApply() {
        assertEquals("dc.services.visualstudio.com", ApplicationInsightsExport.ingestionHost("instrumentationkey=" + KEY));
        assertEquals("dc.applicationinsights.azure.cn",
                ApplicationInsightsExport.ingestionHost("InstrumentationKey=" + KEY + ";EndpointSuffix=applicationinsights.azure.cn"));
    }

    @Test
    void aConnectionStringWithoutAnInstrumentationKeyIsRefused() {
        assertTrue(refused("IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/")
                .getMessage().contains("no InstrumentationKey"));
        refused("InstrumentationKey=;IngestionEndpoint=https://example.com/");
        // The bare key, as some docs show it, is not a connection string.
        assertTrue(refused(KEY).getMessage().contains("key=value"));
    }

    @Test
    void aBadEndpointIsRefusedWithoutRepeatingTheValue() {
        assertTrue(refused("InstrumentationKey=" + KEY + ";IngestionEndpoint=westeurope-5.in.applicationinsights."
                + "azure.com").getMessage().contains("IngestionEndpoint is not an http(s) URL"));
        refused("InstrumentationKey=" + KEY + ";IngestionEndpoint=ftp://example.com/");
        refused("InstrumentationKey=" + KEY + ";IngestionEndpoint=http://[bad");
        assertTrue(refused("InstrumentationKey=" + KEY + ";LiveEndpoint=not a url").getMessage()
                .contains("LiveEndpoint"));
        refused("InstrumentationKey=" + KEY + ";x=" + "a".repeat(ApplicationInsightsExport.MAX_LENGTH));
    }

    @Test
    void theExporterJoinsTheTraceExportersAndLeavesMetricsAndLogsAlone() {
        Map<String, String> azure = Map.of("otel.traces.exporter", "azure_monitor",
                "otel.metrics.exporter", "azure_monitor", "otel.logs.exporter", "azure_monitor",
                "_internal_using_azure_monitor_exporter_builder", "true");
        Map<String, String> out = ApplicationInsightsExport.tracesOnly(azure, DefaultConfigProperties.createFromMap(
                Map.of("otel.traces.exporter", "cdi", "otel.metrics.exporter", "none")));
        assertEquals("cdi,azure_monitor", out.get("otel.traces.exporter"));
        assertFalse(out.containsKey("otel.metrics.exporter"));
        assertFalse(out.containsKey("otel.logs.exporter"));
        assertEquals("true", out.get("_internal_using_azure_monitor_exporter_builder"));
        assertEquals("false", out.get("applicationinsights.live.metrics.enabled"));
        assertEquals("azure_monitor", ApplicationInsightsExport.tracesOnly(azure, DefaultConfigProperties
                .createFromMap(Map.of("otel.traces.exporter", "none"))).get("otel.traces.exporter"));
    }
}
