package dev.agentharness.runtime.observability;

import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-run Phoenix decision: shares, determinism, and values pinned so that no JVM or version can move them. */
class PhoenixSamplingTest {

    private static String runId(int i) {
        return "run_" + Integer.toHexString(0x5eed0000 + i * 7919) + "a1b2c3d4";
    }

    @Test
    void aTenthOfSucceededRunsAndEveryFailedRunOverAThousandIds() {
        long succeeded = IntStream.range(0, 1000).filter(i -> PhoenixSampling.decide(runId(i), true, 0.1, 1.0)).count();
        long failed = IntStream.range(0, 1000).filter(i -> PhoenixSampling.decide(runId(i), false, 0.1, 1.0)).count();
        assertTrue(succeeded >= 80 && succeeded <= 120, "succeeded runs sampled: " + succeeded + " of 1000");
        assertEquals(1000, failed);
    }

    @Test
    void theSameRunIdAlwaysGetsTheSameDecisionAndRaisingTheRatioOnlyAddsRuns() {
        for (int i = 0; i < 1000; i++) {
            String id = runId(i);
            boolean first = PhoenixSampling.decide(id, true, 0.1, 1.0);
            assertEquals(first, PhoenixSampling.decide(new String(id.toCharArray()), true, 0.1, 1.0));
            if (first) {
                assertTrue(PhoenixSampling.decide(id, true, 0.5, 1.0));
            }
        }
        assertTrue(IntStream.range(0, 1000).noneMatch(i -> PhoenixSampling.decide(runId(i), false, 0.1, 0.0)));
    }

    @Test
    void positionsArePinned() {
        // SHA-256 of the UTF-8 id, first 53 bits: any other JVM, replica or release computes the same points.
        assertEquals(0x1.b6c836e7b3106p-2, PhoenixSampling.position("run_0123456789abcdef"), 0.0);
        assertEquals(PhoenixSampling.position("run_0123456789abcdef") < 0.1,
                PhoenixSampling.decide("run_0123456789abcdef", true, 0.1, 1.0));
    }

    @Test
    void ratiosOutsideZeroToOneAreRefusedWithTheVariableNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PhoenixSampling.ratio("PHOENIX_SAMPLE_SUCCEEDED", "10%"));
        assertTrue(e.getMessage().startsWith("PHOENIX_SAMPLE_SUCCEEDED:"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PhoenixSampling.ratio("PHOENIX_SAMPLE_FAILED", "1.01"));
        assertEquals(0.1, PhoenixSampling.ratio("PHOENIX_SAMPLE_SUCCEEDED", " 0.1 "));
    }
}
