package dev.agentharness.otel;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OTEL_* variables read as the OpenTelemetry specification says, into Quarkus's exporter configuration. */
class OtlpEnvironmentTest {

    private static Map<String, String> derive(Map<String, String> env) {
        return OtlpEnvironment.derive(env::get);
    }

    @Test
    void nothingSetMeansNoExport() {
        Map<String, String> out = derive(Map.of());
        assertEquals("false", out.get(OtlpEnvironment.EXPORTING));
        assertFalse(out.containsKey("quarkus.otel.exporter.otlp.traces.endpoint"));
    }

    @Test
    void theBaseEndpointDefaultsToHttpProtobufAndQuarkusAppendsTheSignalPath() {
        Map<String, String> out = derive(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector.example:4318/otlp"));
        assertEquals("true", out.get(OtlpEnvironment.EXPORTING));
        assertEquals("http/protobuf", out.get("quarkus.otel.exporter.otlp.traces.protocol"));
        assertEquals("https://collector.example:4318/otlp", out.get("quarkus.otel.exporter.otlp.traces.endpoint"));
    }

    @Test
    void theAzureContainerAppsAgentOnTheGrpcPortWorksWithoutAProtocol() {
        Map<String, String> out = derive(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://10.0.0.4:4317"));
        assertEquals("grpc", out.get("quarkus.otel.exporter.otlp.traces.protocol"));
        assertEquals("http://10.0.0.4:4317", out.get("quarkus.otel.exporter.otlp.traces.endpoint"));
        // ...and with the protocol it also injects.
        out = derive(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://10.0.0.4:4317", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"));
        assertEquals("grpc", out.get("quarkus.otel.exporter.otlp.traces.protocol"));
    }

    @Test
    void thePerSignalEndpointIsUsedAsItIsAndWinsOverTheBaseOne() {
        Map<String, String> out = derive(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://phoenix:6006/v1/traces"));
        // Quarkus's sender appends /v1/traces itself: it gets the base, and sends exactly to the given URL.
        assertEquals("http://phoenix:6006", out.get("quarkus.otel.exporter.otlp.traces.endpoint"));
        out = derive(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://agent:4317",
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc", "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"));
        assertEquals("grpc", out.get("quarkus.otel.exporter.otlp.traces.protocol"));
        assertEquals("http://agent:4317", out.get("quarkus.otel.exporter.otlp.traces.endpoint"));
    }

    @Test
    void aPerSignalHttpEndpointQuarkusCannotReachIsRefusedWithTheVariableNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> derive(Map.of(
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/api/spans")));
        assertTrue(e.getMessage().startsWith("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), e.getMessage());
    }

    @Test
    void headersArePercentDecodedAndThePerSignalListReplacesTheGeneralOne() {
        Map<String, String> out = derive(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
                "OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20abc,x-tenant=a%2Cb"));
        assertEquals("authorization=Bearer abc,x-tenant=a\\,b", out.get("quarkus.otel.exporter.otlp.traces.headers"));
        out = derive(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
                "OTEL_EXPORTER_OTLP_HEADERS", "a=1", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "b=2"));
        assertEquals("b=2", out.get("quarkus.otel.exporter.otlp.traces.headers"));
    }

    @Test
    void aMalformedHeaderListIsRefusedWithoutEchoingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> derive(Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_EXPORTER_OTLP_HEADERS", "secret-token-value")));
        assertTrue(e.getMessage().startsWith("OTEL_EXPORTER_OTLP_HEADERS"), e.getMessage());
        assertFalse(e.getMessage().contains("secret-token-value"));
    }

    @Test
    void serviceNameResourceAttributesAndTheNoneExporter() {
        Map<String, String> out = derive(Map.of("OTEL_SERVICE_NAME", "harness-eu",
                "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=prod,team=agents%20core"));
        assertEquals("harness-eu", out.get("quarkus.otel.service.name"));
        assertEquals("deployment.environment.name=prod,team=agents core", out.get("quarkus.otel.resource.attributes"));
        out = derive(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_TRACES_EXPORTER", "none"));
        assertEquals("false", out.get(OtlpEnvironment.EXPORTING));
        assertThrows(IllegalArgumentException.class, () -> derive(Map.of("OTEL_TRACES_EXPORTER", "zipkin")));
        assertThrows(IllegalArgumentException.class, () -> derive(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")));
    }

    @Test
    void everyVariableReadIsListedForTheChartsCheck() throws Exception {
        String source = java.nio.file.Files.readString(java.nio.file.Path.of(
                "src/main/java/dev/agentharness/otel/OtlpEnvironment.java"));
        java.util.Set<String> read = new java.util.TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"(OTEL_[A-Z_]+)\"").matcher(source);
        while (m.find()) {
            read.add(m.group(1));
        }
        assertEquals(new java.util.TreeSet<>(OtlpVariables.ALL), read);
    }
}
