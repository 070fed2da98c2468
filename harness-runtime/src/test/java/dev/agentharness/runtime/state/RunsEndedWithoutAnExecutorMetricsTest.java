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
 * Runs that end outside an executor are counted once too, by the replica that ended them: one the lease sweep fails
 * (its worker lost for good) from its row and journal read back, model calls of the lost worker included; a queued run
 * cancelled before any worker took it by the cancel that ended it (a repeated cancel changes nothing).
 */
class RunsEndedWithoutAnExecutorMetricsTest {

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

            @Override
            public java.util.Optional<java.nio.file.Path> file() {
                return java.util.Optional.empty();
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

    @Test
    void onlyTheCancelThatEndsAQueuedRunSaysSo() {
        fixture.drainQueue();
        RunRecord queued = fixture.submissions.submit(RunFixture.newRun(RunFixture.principal(), null, null)).run();

        RunCompletions.Cancel first = fixture.completions.cancel(queued.runId(), queued.principal()).orElseThrow();
        RunCompletions.Cancel again = fixture.completions.cancel(queued.runId(), queued.principal()).orElseThrow();

        assertTrue(first.endedQueued());
        assertEquals(dev.agentharness.api.RunStatus.CANCELLED, first.run().status());
        assertEquals(false, again.endedQueued(), "the run had ended already");
        MeterRegistry registry = new SimpleMeterRegistry();
        new RunOutcomeMetrics(new HarnessMetrics(registry), new Pricing() {
            @Override
            public double inputUsdPerMillionTokens() {
                return 0;
            }

            @Override
            public double outputUsdPerMillionTokens() {
                return 0;
            }

            @Override
            public java.util.Optional<java.nio.file.Path> file() {
                return java.util.Optional.empty();
            }
        }, "openai", Set.of(), null, null).finished(first.run(), List.of());
        assertEquals(1, registry.get("agentharness.runs.finished").tags("agent", "maya", "status", "cancelled",
                "reason", "Cancelled").counter().count());
        assertTrue(registry.find("agentharness.run.duration").timers().isEmpty(), "it never started");
    }
}
