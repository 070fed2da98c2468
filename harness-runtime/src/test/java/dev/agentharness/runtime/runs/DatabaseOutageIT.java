package dev.agentharness.runtime.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.runtime.testing.ConversationLog;
import dev.agentharness.runtime.testing.HarnessHttp;
import dev.agentharness.runtime.testing.HarnessProcess;
import dev.agentharness.runtime.testing.LocalPostgres;
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
 * PostgreSQL stops ({@code pg_ctl stop -m fast}) under load and comes back. Meanwhile the harness stays alive and
 * honest: /health says postgres:false quickly, readiness fails, new runs get 503 + Retry-After. Afterwards every
 * accepted run finishes — the ones whose model call ended during the outage keep their reply (the completion is
 * retried, and the worker does not declare its own runs lost although their leases ran out meanwhile).
 */
class DatabaseOutageIT {

    private static final Duration MODEL_LATENCY = Duration.ofSeconds(2);
    private static final int RUNS = 12;

    @RegisterExtension
    final PostgresAndModel rig = new PostgresAndModel(MODEL_LATENCY);

    @Test
    void an_outage_under_load_loses_no_run_and_the_harness_answers_honestly_meanwhile() throws Exception {
        rig.postgres().createDatabase("outage");
        Path log = Files.createTempFile(Path.of("/tmp"), "harness-outage-", ".log");
        Map<String, String> env = Map.of(
                "DATABASE_URL", rig.postgres().url("outage"),
                "HARNESS_RUNS_LEASE_SECONDS", "3",
                "OPENAI_API_KEY", "sk-outage-test",
                "OPENAI_BASE_URL", rig.model().baseUrl());
        String batch = UUID.randomUUID().toString().substring(0, 8);
        List<String> markers = new ArrayList<>();
        List<String> runIds = new ArrayList<>();

        try (HarnessProcess harness = HarnessProcess.start(env, log)) {
            HarnessHttp http = new HarnessHttp(harness.baseUrl());
            assertTrue(HarnessHttp.json(http.get("/health", Duration.ofSeconds(5)).body())
                    .path("backends").path("postgres").asBoolean(), "postgres:true against a real database");

            // Warm up (model client, connections) so the load below is in flight when the database goes away.
            String warmUp = http.submitAsync("warm up " + batch).body();
            http.awaitTerminal(List.of(HarnessHttp.json(warmUp).path("run_id").asText()), Duration.ofSeconds(60));
            rig.model().clear();

            for (int i = 0; i < RUNS; i++) {
                String marker = "outage-" + batch + "-" + String.format("%03d", i);
                markers.add(marker);
                HttpResponse<String> accepted = http.submitAsync("please handle " + marker);
                assertEquals(202, accepted.statusCode(), accepted.body());
                runIds.add(HarnessHttp.json(accepted.body()).path("run_id").asText());
            }
            awaitModelRequests(RUNS / 2);

            rig.postgres().stopServer();
            Instant outageStarted = Instant.now();
            Thread.sleep(2_500); // past the /health cache, and the model calls now finish into a dead database

            // /health answers within its ping budget; 2 s here is a hang detector, not a performance assertion.
            HttpResponse<String> health = http.get("/health", Duration.ofSeconds(2));
            assertEquals(200, health.statusCode());
            assertFalse(HarnessHttp.json(health.body()).path("backends").path("postgres").asBoolean(), health.body());
            assertEquals(503, http.get("/q/health/ready", Duration.ofSeconds(5)).statusCode());
            HttpResponse<String> refused = http.submitAsync("refused during the outage");
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(refused.headers().firstValue("Retry-After").isPresent(), "503 carries Retry-After");
            assertTrue(refused.headers().firstValue("Content-Type").orElse("").contains("problem+json"));
            assertFalse(refused.body().contains(LocalPostgres.PASSWORD), "no DSN secret in the error");

            // Model answers land in the outage: their journal appends (or a run's completion) are retried, not dropped.
            awaitLog(harness, "database unavailable while ");

            // Stay down longer than the lease (3 s) so the surviving worker's leases have expired in the database.
            long elapsed = Duration.between(outageStarted, Instant.now()).toMillis();
            Thread.sleep(Math.max(0, 5_000 - elapsed));
            assertTrue(harness.isAlive(), "the harness survives the outage");
            rig.postgres().startServer();

            Map<String, JsonNode> finals = http.awaitTerminal(runIds, Duration.ofSeconds(90));
            for (String runId : runIds) {
                JsonNode run = finals.get(runId);
                assertEquals("succeeded", run.path("status").asText(), run.toString());
                assertEquals("handled", run.path("reply").asText());
            }
            assertEquals(200, http.get("/q/health/ready", Duration.ofSeconds(5)).statusCode());
            assertFalse(harness.log().contains(LocalPostgres.PASSWORD), "no password in the logs");
        }

        ConversationLog conversations = new ConversationLog(rig.model());
        for (String marker : markers) {
            assertEquals(1, conversations.requestsOf(marker).size(), marker + " ran once, its result kept");
        }
    }

    private static void awaitLog(HarnessProcess harness, String line) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!harness.log().contains(line)) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("never logged '" + line + "':\n" + harness.log());
            }
            Thread.sleep(100);
        }
    }

    private void awaitModelRequests(int count) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        while (rig.model().requests().size() < count) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("only " + rig.model().requests().size() + " model calls started");
            }
            Thread.sleep(20);
        }
    }
}
