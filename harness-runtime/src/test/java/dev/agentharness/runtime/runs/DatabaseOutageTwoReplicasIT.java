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
 * Two replicas on one PostgreSQL, each executing runs, and the database goes away for longer than lease + grace
 * (2 s + 3 s): when it returns, every lease in the table has expired past its grace, so each replica's sweep could
 * fail the other's runs WorkerLost. Neither may: a replica back from an outage first renews its own runs and sweeps
 * only after a full lease of healthy heartbeats, by which time the other replica has renewed its runs too. Every run
 * succeeds on the replica that claimed it.
 */
class DatabaseOutageTwoReplicasIT {

    /** The model answers well after the database is back: the runs are live, in flight, when the sweeps resume. */
    private static final Duration MODEL_LATENCY = Duration.ofSeconds(14);
    private static final Duration OUTAGE = Duration.ofSeconds(8);
    private static final int RUNS_PER_REPLICA = 3;

    @RegisterExtension
    final PostgresAndModel rig = new PostgresAndModel(MODEL_LATENCY);

    @Test
    void an_outage_longer_than_lease_and_grace_fails_no_live_run_of_either_replica() throws Exception {
        rig.postgres().createDatabase("outage2");
        Map<String, String> env = Map.of(
                "DATABASE_URL", rig.postgres().url("outage2"),
                "HARNESS_RUNS_LEASE_SECONDS", "2",
                "HARNESS_RUNS_LEASE_GRACE_SECONDS", "3",
                "HARNESS_RUNS_MAX_IN_FLIGHT", Integer.toString(RUNS_PER_REPLICA),
                "OPENAI_API_KEY", "sk-outage-test",
                "OPENAI_BASE_URL", rig.model().baseUrl());
        Path logA = Files.createTempFile(Path.of("/tmp"), "harness-outage2-a-", ".log");
        Path logB = Files.createTempFile(Path.of("/tmp"), "harness-outage2-b-", ".log");

        try (HarnessProcess a = HarnessProcess.start(env, logA); HarnessProcess b = HarnessProcess.start(env, logB)) {
            // All submitted to A, which may hold only half: B claims the rest. Both replicas have live runs.
            HarnessHttp http = new HarnessHttp(a.baseUrl());
            String batch = UUID.randomUUID().toString().substring(0, 8);
            List<String> runIds = new ArrayList<>();
            for (int i = 0; i < 2 * RUNS_PER_REPLICA; i++) {
                HttpResponse<String> accepted = http.submitAsync("please handle outage2-" + batch + "-" + i);
                assertEquals(202, accepted.statusCode(), accepted.body());
                runIds.add(HarnessHttp.json(accepted.body()).path("run_id").asText());
            }
            awaitModelRequests(2 * RUNS_PER_REPLICA);

            rig.postgres().stopServer();
            Thread.sleep(OUTAGE.toMillis()); // the staged outage: every lease expires and its grace runs out
            assertTrue(a.isAlive() && b.isAlive(), "both replicas survive the outage");
            rig.postgres().startServer();

            Map<String, JsonNode> finals = http.awaitTerminal(runIds, Duration.ofSeconds(40));
            for (String runId : runIds) {
                JsonNode run = finals.get(runId);
                assertEquals("succeeded", run == null ? null : run.path("status").asText(),
                        "no live run is failed WorkerLost by the other replica: " + run);
                assertEquals("handled", run.path("reply").asText());
            }
            // Each replica finished the runs it held through the outage.
            assertEquals(RUNS_PER_REPLICA, succeededOn(a, runIds).size(), a.log());
            assertEquals(RUNS_PER_REPLICA, succeededOn(b, runIds).size(), b.log());
        }
    }

    private void awaitModelRequests(int count) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(20);
        while (rig.model().requests().size() < count) {
            assertTrue(Instant.now().isBefore(deadline), "only " + rig.model().requests().size() + " model calls started");
            Thread.sleep(20);
        }
    }

    /** The runs {@code replica} executed to success (its run threads are named after the run). */
    private static List<String> succeededOn(HarnessProcess replica, List<String> runIds) {
        String log = replica.log();
        return runIds.stream().filter(id -> log.lines().anyMatch(line -> line.contains("(run-" + id + ") run_id=" + id + " ")
                && line.contains(" run succeeded"))).toList();
    }
}
