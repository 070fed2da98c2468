package dev.agentharness.runtime.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A rolling update: SIGTERM reaches a replica with runs in flight while another replica runs. The stopping replica
 * lets what can finish in its grace period finish, then hands the rest back to the queue; the other replica claims
 * them at once. Every run succeeds — none is left to expire into WorkerLost (the 5 s lease would let the survivor
 * fail them well within the wait, as it did before the drain existed).
 */
class ShutdownDrainIT {

    private static final Duration MODEL_LATENCY = Duration.ofSeconds(6);
    private static final int RUNS = 8;
    private static final Pattern RELEASED = Pattern.compile("released (\\d+) run\\(s\\) still in flight");

    @RegisterExtension
    final PostgresAndModel rig = new PostgresAndModel(MODEL_LATENCY);

    @Test
    void sigterm_with_runs_in_flight_releases_them_to_the_other_replica_and_none_ends_worker_lost() throws Exception {
        rig.postgres().createDatabase("drain");
        Map<String, String> env = Map.of(
                "DATABASE_URL", rig.postgres().url("drain"),
                "HARNESS_RUNS_LEASE_SECONDS", "5",
                "HARNESS_SHUTDOWN_GRACE_SECONDS", "1",
                "OPENAI_API_KEY", "sk-drain-test",
                "OPENAI_BASE_URL", rig.model().baseUrl());
        Path stoppingLog = Files.createTempFile(Path.of("/tmp"), "harness-drain-stopping-", ".log");
        Path survivorLog = Files.createTempFile(Path.of("/tmp"), "harness-drain-survivor-", ".log");
        String batch = UUID.randomUUID().toString().substring(0, 8);
        List<String> runIds = new ArrayList<>();

        HarnessProcess stopping = HarnessProcess.start(env, stoppingLog);
        try (HarnessProcess survivor = HarnessProcess.start(env, survivorLog)) {
            // Both replicas claim from the queue; the runs the stopping one took are mid-conversation at SIGTERM.
            HarnessHttp http = new HarnessHttp(stopping.baseUrl());
            for (int i = 0; i < RUNS; i++) {
                HttpResponse<String> accepted = http.submitAsync("please handle drain-" + batch + "-" + i);
                assertEquals(202, accepted.statusCode(), accepted.body());
                runIds.add(HarnessHttp.json(accepted.body()).path("run_id").asText());
            }
            awaitModelRequests(RUNS, Duration.ofSeconds(20));

            stopping.stop(); // SIGTERM mid-conversation: 1 s grace, far less than the model's 6 s
            String log = stopping.log();
            Matcher released = RELEASED.matcher(log);
            assertTrue(released.find(), "the stopping replica released its runs:\n" + log);
            assertTrue(Integer.parseInt(released.group(1)) >= 1, released.group());

            Map<String, JsonNode> finals = new HarnessHttp(survivor.baseUrl()).awaitTerminal(runIds, Duration.ofSeconds(45));
            for (String runId : runIds) {
                JsonNode run = finals.get(runId);
                assertEquals("succeeded", run.path("status").asText(), "released, then completed elsewhere: " + run);
                assertEquals("handled", run.path("reply").asText());
            }
        } finally {
            stopping.close();
        }
    }

    /**
     * While the grace period runs, the load balancer must stop sending traffic here: readiness answers 503 with the
     * draining check — from a process that still serves HTTP (the runs in flight can still be read) — and the runs that
     * finish within the grace keep their result.
     */
    @Test
    void during_the_grace_period_readiness_is_down_draining_while_http_is_still_served() throws Exception {
        rig.postgres().createDatabase("drainready");
        Map<String, String> env = Map.of(
                "DATABASE_URL", rig.postgres().url("drainready"),
                "HARNESS_RUNS_LEASE_SECONDS", "5",
                "HARNESS_SHUTDOWN_GRACE_SECONDS", "30",
                "OPENAI_API_KEY", "sk-drain-test",
                "OPENAI_BASE_URL", rig.model().baseUrl());
        Path log = Files.createTempFile(Path.of("/tmp"), "harness-drain-ready-", ".log");
        String batch = UUID.randomUUID().toString().substring(0, 8);
        List<String> runIds = new ArrayList<>();

        try (HarnessProcess stopping = HarnessProcess.start(env, log)) {
            HarnessHttp http = new HarnessHttp(stopping.baseUrl());
            assertEquals(200, http.get("/q/health/ready", Duration.ofSeconds(5)).statusCode());
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> accepted = http.submitAsync("please handle ready-" + batch + "-" + i);
                assertEquals(202, accepted.statusCode(), accepted.body());
                runIds.add(HarnessHttp.json(accepted.body()).path("run_id").asText());
            }
            awaitModelRequests(2, Duration.ofSeconds(20));

            stopping.terminate(); // the model still needs ~6 s; the grace is 30 s
            HttpResponse<String> ready = awaitNotReady(http, Duration.ofSeconds(5));
            assertEquals(503, ready.statusCode(), ready.body());
            JsonNode database = null;
            for (JsonNode check : HarnessHttp.json(ready.body()).path("checks")) {
                if ("state-database".equals(check.path("name").asText())) {
                    database = check;
                }
            }
            assertTrue(database != null && database.path("data").path("draining").asBoolean(),
                    "DOWN because draining: " + ready.body());
            // Still serving: the runs in flight can be read, and they are still running here.
            for (String runId : runIds) {
                assertEquals("running", http.run(runId).path("status").asText());
            }
            assertTrue(stopping.isAlive(), "the process lives on through the grace period");

            assertTrue(stopping.awaitExit(Duration.ofSeconds(40)), "exits once its runs have finished");
            assertTrue(stopping.log().contains("waiting up to 30s for 2 run(s) in flight"), stopping.log());
            assertFalse(RELEASED.matcher(stopping.log()).find(), "nothing left to release:\n" + stopping.log());
        }
        try (HarnessProcess reader = HarnessProcess.start(env, log)) {
            Map<String, JsonNode> finals = new HarnessHttp(reader.baseUrl()).awaitTerminal(runIds, Duration.ofSeconds(10));
            for (String runId : runIds) {
                assertEquals("succeeded", finals.get(runId).path("status").asText(), "finished in the grace period");
                assertEquals("handled", finals.get(runId).path("reply").asText());
            }
        }
    }

    /** Polls readiness until it is not 200; a refused connection (HTTP already closed) fails the test. */
    private static HttpResponse<String> awaitNotReady(HarnessHttp http, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            HttpResponse<String> ready = http.get("/q/health/ready", Duration.ofSeconds(2));
            // Quarkus's own "Graceful Shutdown" check goes DOWN a moment before the drain observer runs: wait for ours.
            if (ready.statusCode() != 200 && ready.body().contains("\"draining\"") || Instant.now().isAfter(deadline)) {
                return ready;
            }
            Thread.sleep(50);
        }
    }

    private void awaitModelRequests(int count, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (rig.model().requests().size() < count) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("only " + rig.model().requests().size() + " model calls started");
            }
            Thread.sleep(20);
        }
    }
}
