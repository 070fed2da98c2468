package dev.agentharness.runtime.state;

import dev.agentharness.runtime.observability.HarnessMetrics;
import dev.agentharness.runtime.runs.Pricing;
import dev.agentharness.runtime.runs.RunOutcomeMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run the lease sweep fails (its worker lost for good) ends in the sweep's statement, not in an executor: the
 * sweeping replica counts it from its row and journal read back, model calls of the lost worker included.
 */
class SweptRunMetricsTest {

    private static RunFixture fixture;

    @BeforeAll
    static void database() {
        fixture = RunFixture.migrated();
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    @Test
    void aRunFailedByTheSweepIsCountedOnceFromItsJournal() throws Exception {
        String lostWorker = fixture.claimOne(Duration.ofMillis(1));
        RunJournal.Lease lease = fixture.leaseOf(lostWorker);
        assertTrue(fixture.journal.append(lease, List.of(
                JournalStep.of(1, "agent_started", "{\"agent\":\"maya\"}"),
                JournalStep.of(2, "model_response", "{\"agent\":\"maya\",\"model\":\"gpt-5.4-mini\",\"input_tokens\":120,"
                        + "\"output_tokens\":7,\"output\":[],\"started_at\":\"2026-01-01T10:00:00Z\","
                        + "\"ended_at\":\"2026-01-01T10:00:01Z\"}")), 1));
        Thread.sleep(5); // past the 1 ms lease
        List<String> failed = fixture.queue.recoverExpiredLeases("sweeper", 0, Duration.ZERO).failed();
        assertTrue(failed.contains(lease.runId()));

        MeterRegistry registry = new SimpleMeterRegistry();
        RunOutcomeMetrics metrics = new RunOutcomeMetrics(new HarnessMetrics(registry), new Pricing() {
            @Override
            public double inputUsdPerMillionTokens() {
                return 1;
            }

            @Override
            public double outputUsdPerMillionTokens() {
                return 1;
            }
        }, "openai", Set.of("gpt-5.4-mini"), fixture.reads, fixture.journal);
        metrics.failedBySweep(lease.runId());

        assertEquals(1, registry.get("agentharness.runs.finished").tags("agent", "maya", "status", "failed",
                "reason", "WorkerLost").counter().count());
        assertEquals(1, registry.get("agentharness.run.duration").tags("status", "failed").timer().count());
        assertEquals(120, registry.get("agentharness.model.tokens").tags("model", "gpt-5.4-mini", "type", "input")
                .counter().count());
        assertEquals(127 / 1_000_000d, registry.get("agentharness.cost.usd").counter().count(), 1e-12);
    }
}
