package dev.agentharness.operator.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void aBadProtocolOrEndpointIsRefusedWithTheVariableNamed() {
        assertTrue(assertThrows(IllegalStateException.class, () -> TraceExportSwitch.describe(Optional.of("http://c:4317"),
                "http/json")).getMessage().contains("OTEL_EXPORTER_OTLP_PROTOCOL"));
        assertTrue(assertThrows(IllegalStateException.class, () -> TraceExportSwitch.describe(Optional.of("collector:4317"),
                "grpc")).getMessage().contains("OTEL_EXPORTER_OTLP_ENDPOINT"));
        assertTrue(assertThrows(IllegalStateException.class, () -> TraceExportSwitch.describe(Optional.of("http://a b"),
                "grpc")).getMessage().contains("OTEL_EXPORTER_OTLP_ENDPOINT"));
    }
}
