package dev.agentharness.operator.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.otel.OtlpEnvironment;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The start-up line about trace export, and the refusals that name the variable. */
class TraceExportSwitchTest {

    @Test
    void unsetMeansOffAndSaysWhichVariableTurnsItOn() {
        assertTrue(TraceExportSwitch.describe(Optional.empty(), "http/protobuf").contains("OTEL_EXPORTER_OTLP_ENDPOINT"));
        assertTrue(TraceExportSwitch.describe(Optional.of(" "), "bogus").startsWith("trace export off"));
    }

    @Test
    void anEndpointIsShownWithoutPathOrUserInfo() {
        String line = TraceExportSwitch.describe(Optional.of("https://user:pw@collector.example:4318/otlp?k=v"), "grpc");
        assertEquals("exporting traces over OTLP (grpc) to https://collector.example:4318", line);
        assertFalse(line.contains("pw"));
    }

    @Test
    void theOperatorReadsTheStandardVariablesAsTheHarnessDoes() {
        // Percent-encoded header values (the specification's format), the per-signal endpoint, gRPC on port 4317.
        Map<String, String> env = Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://agent.local:4317",
                "OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20abc");
        Map<String, String> quarkus = OtlpEnvironment.derive(env::get);
        assertEquals("http://agent.local:4317", quarkus.get("quarkus.otel.exporter.otlp.traces.endpoint"));
        assertEquals("grpc", quarkus.get("quarkus.otel.exporter.otlp.traces.protocol"));
        assertEquals("authorization=Bearer abc", quarkus.get("quarkus.otel.exporter.otlp.traces.headers"));
        assertEquals("true", quarkus.get(OtlpEnvironment.EXPORTING));
    }

    @Test
    void aBadProtocolOrEndpointIsRefusedWithTheVariableNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OtlpEnvironment.derive(Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")::get))
                .getMessage().contains("OTEL_EXPORTER_OTLP_PROTOCOL"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OtlpEnvironment.derive(Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317")::get))
                .getMessage().contains("OTEL_EXPORTER_OTLP_ENDPOINT"));
    }
}
