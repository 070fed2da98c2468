package dev.agentharness.runtime.observability;

import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceSamplingTest {

    @Test
    void theSpecificationsSamplersAndDefaults() {
        assertEquals(Sampler.parentBased(Sampler.alwaysOn()).getDescription(),
                TraceSampling.sampler(null, null).getDescription());
        assertEquals(Sampler.alwaysOff(), TraceSampling.sampler("always_off", null));
        assertEquals(Sampler.traceIdRatioBased(0.25).getDescription(),
                TraceSampling.sampler("traceidratio", "0.25").getDescription());
        assertEquals(Sampler.parentBased(Sampler.traceIdRatioBased(1.0)).getDescription(),
                TraceSampling.sampler("parentbased_traceidratio", null).getDescription());
    }

    @Test
    void unknownSamplersAndBadRatiosAreRefusedWithTheVariableNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TraceSampling.sampler("jaeger_remote", null));
        assertTrue(e.getMessage().startsWith("OTEL_TRACES_SAMPLER:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TraceSampling.sampler("traceidratio", "1.5"));
        assertTrue(e.getMessage().startsWith("OTEL_TRACES_SAMPLER_ARG:"), e.getMessage());
    }
}
