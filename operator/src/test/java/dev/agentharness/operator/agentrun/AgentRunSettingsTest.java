package dev.agentharness.operator.agentrun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Settings a deployment can get wrong are refused at start with the variable named. */
class AgentRunSettingsTest {

    static AgentRunSettings with(int submitConcurrency, Duration progressInterval) {
        Duration second = Duration.ofSeconds(1);
        return new AgentRunSettings(second, second, second, second, second, second, submitConcurrency, progressInterval);
    }

    @Test
    void noSubmissionsOnTheWireIsRefused() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> with(0, Duration.ZERO));
        assertEquals("HARNESS_SUBMIT_CONCURRENCY (agentharness.operator.submit-concurrency) must be at least 1, got 0",
                refused.getMessage());
    }

    @Test
    void aNegativeProgressIntervalIsRefused_zeroIsAllowed() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> with(16, Duration.ofSeconds(-1)));
        assertEquals("HARNESS_PROGRESS_INTERVAL (agentharness.operator.progress-interval) must not be negative, "
                + "got PT-1S; 0S writes every change at once", refused.getMessage());
        assertEquals(Duration.ZERO, with(16, Duration.ZERO).progressInterval());
    }
}
