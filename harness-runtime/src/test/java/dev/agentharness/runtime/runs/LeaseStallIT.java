package dev.agentharness.runtime.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.runtime.testing.HarnessHttp;
import dev.agentharness.runtime.testing.HarnessProcess;
import dev.agentharness.runtime.testing.PostgresAndModel;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A replica frozen with SIGSTOP while another keeps running (lease 3 s, grace 4 s). A stall shorter than lease + grace
 * costs no run: every run it held still succeeds. A longer stall hands its runs to the sweep of the other replica,
 * which fails them WorkerLost — not before lease + grace has passed. Resuming is switched off here
 * ({@code HARNESS_RUNS_MAX_RECOVERIES=0}): with it on, the other replica resumes such runs at the lease instead.
 */
class LeaseStallIT {

    private static final Duration MODEL_LATENCY = Duration.ofSeconds(10);
    private static final Duration LEASE_AND_GRACE = Duration.ofSeconds(3 + 4);
    private static final int RUNS = 4;

    @RegisterExtension
    final PostgresAndModel rig = new PostgresAndModel(MODEL_LATENCY);

    @Test
    void a_short_stall_loses_no_run_and_a_long_one_is_failed_worker_lost_only_after_lease_and_grace() throws Exception {
        rig.postgres().createDatabase("stall");
        Map<String, String> env = Map.of(
                "DATABASE_URL", rig.postgres().url("stall"),
                "HARNESS_RUNS_LEASE_SECONDS", "3",
                "HARNESS_RUNS_LEASE_GRACE_SECONDS", "4",
                // Resuming off: this pins the grace before a run is given up (ReplicaCrashIT covers resuming).
                "HARNESS_RUNS_MAX_RECOVERIES", "0",
                "OPENAI_API_KEY", "sk-stall-test",
                "OPENAI_BASE_URL", rig.model().baseUrl());
        Path log = Files.createTempFile(Path.of("/tmp"), "harness-stall-", ".log");
        try (HarnessProcess survivor = HarnessProcess.start(env, log);
             HarnessProcess stalled = HarnessProcess.start(env, log)) {
            HarnessHttp watcher = new HarnessHttp(survivor.baseUrl());

            // 1. A 4 s stall (< lease + grace): the runs the stalled replica holds all finish there.
            List<String> shortStall = submitToOnly(stalled, survivor, "short");
            stalled.pause();
            Thread.sleep(4_000);
            stalled.resume();
            Map<String, JsonNode> finals = watcher.awaitTerminal(shortStall, Duration.ofSeconds(30));
            for (String runId : shortStall) {
                assertEquals("succeeded", finals.get(runId).path("status").asText(), finals.get(runId).toString());
            }

            // 2. A stall longer than lease + grace: the other replica fails its runs WorkerLost, but never earlier.
            List<String> longStall = submitToOnly(stalled, survivor, "long");
            Instant frozenAt = Instant.now();
            stalled.pause();
            try {
                while (Duration.between(frozenAt, Instant.now()).compareTo(LEASE_AND_GRACE.minusSeconds(2)) < 0) {
                    for (String runId : longStall) {
                        assertEquals("running", watcher.run(runId).path("status").asText(),
                                "failed before lease + grace had passed");
                    }
                    Thread.sleep(200);
                }
                finals = watcher.awaitTerminal(longStall, Duration.ofSeconds(20));
            } finally {
                stalled.resume();
            }
            for (String runId : longStall) {
                JsonNode run = finals.get(runId);
                assertEquals("failed", run.path("status").asText(), run.toString());
                assertEquals("WorkerLost", run.path("reason").asText(), run.toString());
            }
            // Back from the stall, the replica notices it lost the leases and records nothing over the sweep.
            Thread.sleep(2_000);
            for (String runId : longStall) {
                assertEquals("WorkerLost", watcher.run(runId).path("reason").asText());
            }
        }
    }

    /**
     * Submits {@link #RUNS} runs that only {@code target} executes: the other replica is paused meanwhile, so it
     * cannot claim any. Returns once every run's model call is in flight.
     */
    private List<String> submitToOnly(HarnessProcess target, HarnessProcess other, String label) throws Exception {
        int before = rig.model().requests().size();
        String batch = label + "-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> runIds = new ArrayList<>();
        other.pause();
        try {
            HarnessHttp http = new HarnessHttp(target.baseUrl());
            for (int i = 0; i < RUNS; i++) {
                HttpResponse<String> accepted = http.submitAsync("please handle " + batch + "-" + i);
                assertEquals(202, accepted.statusCode(), accepted.body());
                runIds.add(HarnessHttp.json(accepted.body()).path("run_id").asText());
            }
            Instant deadline = Instant.now().plusSeconds(15);
            while (rig.model().requests().size() < before + RUNS) {
                assertTrue(Instant.now().isBefore(deadline), "model calls did not start");
                Thread.sleep(20);
            }
        } finally {
            other.resume();
        }
        return runIds;
    }
}
