package dev.agentharness.runtime.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.HarnessHttp;
import dev.agentharness.runtime.testing.HarnessProcess;
import dev.agentharness.runtime.testing.LocalPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kill switch across two packaged replicas on one PostgreSQL: each replica holds one run of the principal inside a
 * model call that never answers (one run in flight per replica), an admin suspends the principal through replica A, and
 * both runs end {@code failed}/{@code Suspended} — A's at once, B's at its next lease heartbeat — long before the model
 * would answer; B refuses new runs with 403 too.
 */
class KillSwitchTwoReplicasIT {

    private static final String TEAM_KEY = "team-key-0123456789abcdef";
    private static final String ADMIN_KEY = "admin-key-0123456789abcdef";

    private LocalPostgres postgres;
    private FakeModelServer model;
    private final CountDownLatch release = new CountDownLatch(1);
    private final Set<String> inModelCall = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void start() {
        LocalPostgres.assumeInstalled(false);
        postgres = LocalPostgres.start();
        model = new FakeModelServer().start(0).responder(request -> {
            inModelCall.add(request.body().toString().contains("hold-1") ? "1" : "2");
            try {
                release.await(300, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Reply.message("too late");
        });
    }

    @AfterEach
    void stop() {
        release.countDown();
        if (model != null) {
            model.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void suspendingThroughOneReplicaStopsThePrincipalsRunsOnBothAtOnce() throws Exception {
        postgres.createDatabase("kill2");
        Map<String, String> env = Map.of(
                "DATABASE_URL", postgres.url("kill2"),
                "OPENAI_API_KEY", "sk-kill-test",
                "OPENAI_BASE_URL", model.baseUrl(),
                "MODEL_TIMEOUT_SECONDS", "240",
                "HARNESS_RUNS_MAX_IN_FLIGHT", "1",
                "HARNESS_RUNS_LEASE_SECONDS", "3",
                "HARNESS_API_KEYS", "team:" + TEAM_KEY + ",admin:" + ADMIN_KEY,
                "HARNESS_ADMIN_PRINCIPALS", "admin");
        Path logA = Files.createTempFile(Path.of("/tmp"), "harness-kill-a-", ".log");
        Path logB = Files.createTempFile(Path.of("/tmp"), "harness-kill-b-", ".log");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        try (HarnessProcess a = HarnessProcess.start(env, logA); HarnessProcess b = HarnessProcess.start(env, logB)) {
            String first = runId(post(http, a.baseUrl() + "/runs", TEAM_KEY, "{\"message\":\"hold-1\"}", true));
            String second = runId(post(http, b.baseUrl() + "/runs", TEAM_KEY, "{\"message\":\"hold-2\"}", true));
            // One in flight per replica: both replicas hold one run each, inside its model call.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (inModelCall.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(Set.of("1", "2"), inModelCall, "both runs reached the model");

            HttpResponse<String> suspended = post(http, a.baseUrl() + "/admin/principals/team/suspend", ADMIN_KEY,
                    "{\"reason\":\"kill switch drill\"}", false);
            assertEquals(200, suspended.statusCode(), suspended.body());

            // Well inside the model's 240 s timeout: both calls in flight were abandoned.
            Map<String, JsonNode> ended = new HarnessHttpWithKey(a.baseUrl(), http)
                    .awaitTerminal(List.of(first, second), Duration.ofSeconds(60));
            for (String runId : List.of(first, second)) {
                assertEquals("failed", ended.get(runId).path("status").asText(), ended.get(runId).toString());
                assertEquals("Suspended", ended.get(runId).path("reason").asText(), ended.get(runId).toString());
            }

            HttpResponse<String> refused = post(http, b.baseUrl() + "/runs", TEAM_KEY, "{\"message\":\"again\"}", true);
            assertEquals(403, refused.statusCode(), refused.body());
            JsonNode problem = HarnessHttp.json(refused.body());
            assertEquals("suspended", problem.path("limit").asText());
            assertEquals("admin", problem.path("suspended_by").asText());
            assertTrue(problem.path("detail").asText().contains("kill switch drill"), refused.body());
        }
    }

    private static HttpResponse<String> post(HttpClient http, String url, String key, String body, boolean async)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (async) {
            request.header("Prefer", "respond-async");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String runId(HttpResponse<String> accepted) {
        assertEquals(202, accepted.statusCode(), accepted.body());
        return HarnessHttp.json(accepted.body()).path("run_id").asText();
    }

    /** Polls {@code GET /runs/{id}} with the team's key until each run is terminal. */
    private record HarnessHttpWithKey(String baseUrl, HttpClient http) {
        Map<String, JsonNode> awaitTerminal(List<String> runIds, Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            Map<String, JsonNode> last = new java.util.LinkedHashMap<>();
            while (true) {
                boolean done = true;
                for (String runId : runIds) {
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/runs/"
                                    + runId)).timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + TEAM_KEY)
                            .GET().build(), HttpResponse.BodyHandlers.ofString());
                    JsonNode run = HarnessHttp.json(response.body());
                    last.put(runId, run);
                    done &= HarnessHttp.terminal(run);
                }
                if (done || System.nanoTime() > deadline) {
                    return last;
                }
                Thread.sleep(200);
            }
        }
    }
}
