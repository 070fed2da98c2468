package dev.agentharness.runtime.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.ConversationLog;
import dev.agentharness.runtime.testing.HarnessHttp;
import dev.agentharness.runtime.testing.HarnessProcess;
import dev.agentharness.runtime.testing.LocalPgBouncer;
import dev.agentharness.runtime.testing.LocalPostgres;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With resuming switched off ({@code HARNESS_RUNS_MAX_RECOVERIES=0}): a replica dies (SIGKILL) with at least 20 runs in
 * flight, through PgBouncer in transaction mode as on Neon. After a restart on the same database every run ends: the
 * ones that were mid-conversation fail with WorkerLost (nothing is replayed), the queued ones run. The fake model's log
 * proves no run's conversation ever ran twice. With resuming on (the default), {@link ReplicaCrashIT} is the proof.
 */
class CrashRecoveryIT {

    private static final Duration MODEL_LATENCY = Duration.ofSeconds(4);
    private static final int RUNS = 30;

    private LocalPostgres postgres;
    private LocalPgBouncer bouncer;
    private FakeModelServer model;

    @BeforeEach
    void start() {
        LocalPostgres.assumeInstalled(true);
        postgres = LocalPostgres.start();
        bouncer = LocalPgBouncer.start(postgres);
        model = new FakeModelServer().start(0).latency(MODEL_LATENCY)
                .responder(request -> Reply.message("handled"));
    }

    @AfterEach
    void stop() {
        if (model != null) {
            model.close();
        }
        if (bouncer != null) {
            bouncer.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void sigkill_with_runs_in_flight_loses_no_run_and_runs_none_twice() throws Exception {
        postgres.createDatabase("crash");
        Path log = Files.createTempFile(Path.of("/tmp"), "harness-crash-", ".log");
        Map<String, String> env = Map.of(
                "DATABASE_URL", bouncer.url("crash"),
                "DATABASE_DIRECT_URL", postgres.url("crash"),
                "HARNESS_RUNS_LEASE_SECONDS", "3",
                "HARNESS_RUNS_LEASE_GRACE_SECONDS", "2",
                "HARNESS_RUNS_MAX_RECOVERIES", "0",
                "OPENAI_API_KEY", "sk-crash-test",
                "OPENAI_BASE_URL", model.baseUrl(),
                "HARNESS_DATA_DIR", Files.createTempDirectory(Path.of("/tmp"), "harness-crash-data-").toString());
        String batch = UUID.randomUUID().toString().substring(0, 8);
        List<String> markers = new ArrayList<>();
        List<String> runIds = new ArrayList<>();

        Instant killedAt;
        try (HarnessProcess first = HarnessProcess.start(env, log)) {
            HarnessHttp http = new HarnessHttp(first.baseUrl());
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<HttpResponse<String>>> submits = new ArrayList<>();
                for (int i = 0; i < RUNS; i++) {
                    String marker = "crash-" + batch + "-" + String.format("%03d", i);
                    markers.add(marker);
                    submits.add(clients.submit(() -> http.submitAsync("please handle " + marker)));
                }
                for (Future<HttpResponse<String>> submit : submits) {
                    HttpResponse<String> accepted = submit.get();
                    assertEquals(202, accepted.statusCode(), accepted.body());
                    runIds.add(HarnessHttp.json(accepted.body()).path("run_id").asText());
                }
            }
            awaitModelRequests(20, Duration.ofSeconds(30));
            first.kill();
            killedAt = Instant.now();
        }
        List<Instant> inFlightAtKill = model.requests().stream().map(r -> r.receivedAt())
                .filter(t -> t.isAfter(killedAt.minus(MODEL_LATENCY))).toList();
        assertTrue(inFlightAtKill.size() >= 20, "only " + inFlightAtKill.size() + " model calls in flight at the kill");

        try (HarnessProcess second = HarnessProcess.start(env, log)) {
            Map<String, JsonNode> finals = new HarnessHttp(second.baseUrl()).awaitTerminal(runIds, Duration.ofSeconds(90));

            int succeeded = 0;
            int lost = 0;
            for (String runId : runIds) {
                JsonNode run = finals.get(runId);
                String status = run.path("status").asText();
                assertTrue(status.equals("succeeded") || (status.equals("failed")
                        && run.path("reason").asText().equals("WorkerLost")), runId + " ended " + run);
                if (status.equals("succeeded")) {
                    assertEquals("handled", run.path("reply").asText());
                    succeeded++;
                } else {
                    lost++;
                }
            }
            assertTrue(lost >= 20, "runs in flight at the kill end WorkerLost, got " + lost);
            assertEquals(RUNS, succeeded + lost);
        }

        ConversationLog conversations = new ConversationLog(model);
        for (String marker : markers) {
            assertTrue(conversations.requestsOf(marker).size() <= 1,
                    marker + " had its conversation started twice: " + conversations.requestsOf(marker));
            assertFalse(conversations.overlapping(marker, MODEL_LATENCY), marker);
        }
    }

    private void awaitModelRequests(int count, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (model.requests().size() < count) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("only " + model.requests().size() + " model calls started");
            }
            Thread.sleep(20);
        }
    }
}
