package dev.agentharness.runtime.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.runtime.testing.ConversationLog;
import dev.agentharness.runtime.testing.HarnessHttp;
import dev.agentharness.runtime.testing.HarnessProcess;
import dev.agentharness.runtime.testing.PostgresAndModel;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A rolling update of two replicas under steady load, through PgBouncer in transaction mode: SIGTERM B (it drains —
 * runs that finish within the 1 s grace finish, the rest are released at a step boundary), start B', then SIGTERM C,
 * start C'. The load balancer (this test) stops sending to a replica before signalling it, as Kubernetes does once
 * readiness is down. Every run succeeds and the FAKE model never sees the same turn of a run twice: a released run
 * resumes from its journal on the other replica instead of starting over.
 */
class RollingRestartIT {

    private static final Duration MODEL_LATENCY = Duration.ofMillis(700);
    private static final Duration SUBMIT_EVERY = Duration.ofMillis(150);
    private static final String DB = "rolling";

    @RegisterExtension
    final PostgresAndModel rig = new PostgresAndModel(MODEL_LATENCY).throughPgBouncer()
            .responder(FakeModelServer.mayaDemo());

    @Test
    void sigterm_one_replica_then_the_other_under_load_fails_no_run_and_repeats_no_model_call() throws Exception {
        rig.postgres().createDatabase(DB);
        Map<String, String> env = Map.of(
                "DATABASE_URL", rig.databaseUrl(DB),
                "DATABASE_DIRECT_URL", rig.postgres().url(DB),
                "HARNESS_RUNS_LEASE_SECONDS", "5",
                "HARNESS_SHUTDOWN_GRACE_SECONDS", "1",
                // A replica started moments before its SIGTERM is cold (its first model call takes seconds here).
                "HARNESS_RUNS_RELEASE_WAIT_SECONDS", "30",
                "OPENAI_API_KEY", "sk-rolling-test",
                "OPENAI_BASE_URL", rig.model().baseUrl());
        String batch = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> markerOf = new ConcurrentHashMap<>();
        List<HarnessHttp> serving = new CopyOnWriteArrayList<>();
        List<String> refused = new CopyOnWriteArrayList<>();
        AtomicBoolean loading = new AtomicBoolean(true);
        AtomicInteger sequence = new AtomicInteger();

        HarnessProcess b;
        HarnessProcess c;
        try (var starting = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var startingB = starting.submit(() -> HarnessProcess.start(env, log("b")));
            var startingC = starting.submit(() -> HarnessProcess.start(env, log("c")));
            b = startingB.get();
            c = startingC.get();
        }
        HarnessProcess b2 = null;
        HarnessProcess c2 = null;
        Thread load = null;
        try {
            serving.add(new HarnessHttp(b.baseUrl()));
            serving.add(new HarnessHttp(c.baseUrl()));
            // Each submission on its own virtual thread: a slow answer must not thin out the load.
            load = Thread.ofVirtual().start(() -> {
                try (var clients = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                    while (loading.get()) {
                        int n = sequence.getAndIncrement();
                        String marker = "rolling-" + batch + "-" + String.format("%04d", n);
                        String message = "please handle " + marker + " for ACME-1001";
                        List<HarnessHttp> targets = List.copyOf(serving);
                        clients.submit(() -> {
                            // A submission that raced a replica's SIGTERM is retried on another one, as a client would.
                            String accepted = submit(targets.get(n % targets.size()), message)
                                    .or(() -> submit(serving.get((n + 1) % serving.size()), message))
                                    .orElse(null);
                            if (accepted == null) {
                                refused.add(marker);
                            } else {
                                markerOf.put(accepted, marker);
                            }
                        });
                        try {
                            Thread.sleep(SUBMIT_EVERY);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            });

            awaitRunsInFlight(6, Duration.ofSeconds(60));
            serving.remove(0);
            b.stop();
            b2 = HarnessProcess.start(env, log("b2"));
            serving.add(new HarnessHttp(b2.baseUrl()));

            awaitRunsInFlight(6, Duration.ofSeconds(60));
            serving.remove(0);
            c.stop();
            c2 = HarnessProcess.start(env, log("c2"));
            serving.add(new HarnessHttp(c2.baseUrl()));
            awaitRunsInFlight(4, Duration.ofSeconds(60));
            loading.set(false);
            load.join(Duration.ofSeconds(90));

            Map<String, JsonNode> finals = new HarnessHttp(b2.baseUrl()).awaitTerminal(markerOf.keySet(),
                    Duration.ofSeconds(60));
            assertTrue(refused.isEmpty(), "every run was accepted by some serving replica: " + refused);
            assertTrue(markerOf.size() >= 20, "load kept coming through the restarts: " + markerOf.size() + " runs");
            for (String runId : markerOf.keySet()) {
                assertEquals("succeeded", finals.get(runId).path("status").asText(), runId + ": " + finals.get(runId));
            }
            ConversationLog conversations = new ConversationLog(rig.model());
            for (Map.Entry<String, String> run : markerOf.entrySet()) {
                for (List<Instant> turn : conversations.requestsPerTurn(run.getValue())) {
                    assertEquals(1, turn.size(), run.getKey() + " (" + run.getValue() + ") requested a turn twice: "
                            + conversations.requestsPerTurn(run.getValue()));
                }
            }
            List<List<String>> moved = rig.postgres().query(DB, "SELECT count(*) FROM public.runs WHERE attempts > 1");
            assertTrue(Integer.parseInt(moved.getFirst().getFirst()) >= 1,
                    "the drains handed runs in flight to the other replica (attempts > 1)\n" + b.log());
        } finally {
            loading.set(false);
            if (load != null) {
                load.interrupt();
            }
            for (HarnessProcess replica : new HarnessProcess[] {b, c, b2, c2}) {
                if (replica != null) {
                    replica.close();
                }
            }
        }
    }

    /** The run id, when {@code replica} accepted the run. */
    private static java.util.Optional<String> submit(HarnessHttp replica, String message) {
        try {
            HttpResponse<String> accepted = replica.submitAsync(message);
            return accepted.statusCode() == 202
                    ? java.util.Optional.of(HarnessHttp.json(accepted.body()).path("run_id").asText())
                    : java.util.Optional.empty();
        } catch (RuntimeException unreachable) {
            return java.util.Optional.empty();
        }
    }

    /** Waits until at least {@code count} runs are running (mid-conversation) somewhere. */
    private void awaitRunsInFlight(int count, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            List<List<String>> rows = rig.postgres().query(DB,
                    "SELECT count(*) FROM public.runs WHERE status = 'running'");
            if (Integer.parseInt(rows.getFirst().getFirst()) >= count) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("fewer than " + count + " runs in flight within " + timeout);
    }

    private static Path log(String replica) throws java.io.IOException {
        return Files.createTempFile(Path.of("/tmp"), "harness-rolling-" + replica + "-", ".log");
    }
}
