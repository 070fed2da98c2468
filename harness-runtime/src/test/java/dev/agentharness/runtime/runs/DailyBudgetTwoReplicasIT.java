package dev.agentharness.runtime.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.RecordedRequest;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.HarnessHttp;
import dev.agentharness.runtime.testing.HarnessProcess;
import dev.agentharness.runtime.testing.LocalPostgres;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The daily budget across two replicas (packaged jars) sharing one PostgreSQL: the database is the source of truth,
 * not a per-replica counter. A run spends the whole budget; a run that was already in flight stops before its next model
 * call, and replica B — which served none of the spending — refuses the next submission with 429
 * {@code daily_budget_usd}, a Retry-After to the next UTC midnight, and shows the spend to an admin.
 */
class DailyBudgetTwoReplicasIT {

    private LocalPostgres postgres;
    private FakeModelServer model;
    private final CountDownLatch releaseFirstCall = new CountDownLatch(1);
    private final CountDownLatch firstCallArrived = new CountDownLatch(1);

    @BeforeEach
    void start() {
        LocalPostgres.assumeInstalled(false);
        postgres = LocalPostgres.start();
        // $10 / $30 per million tokens: the "early" run's first call is 100 in + 10 out ($0.0013), the "spender"'s
        // one call 5000 in + 200 out ($0.056) — past the $0.05 budget on its own.
        model = new FakeModelServer().start(0).responder(this::answer);
    }

    private Reply answer(RecordedRequest request) {
        String body = request.body().toString();
        if (body.contains("early-run")) {
            if (!body.contains("function_call_output")) {
                firstCallArrived.countDown();
                await(releaseFirstCall);
                return Reply.functionCall("lookup_account", "{\"account_id\":\"ACME-1001\"}").withUsage(100, 0, 10);
            }
            return Reply.message("the early run must never get here");
        }
        return Reply.message("that was expensive").withUsage(5000, 0, 200);
    }

    @AfterEach
    void stop() {
        releaseFirstCall.countDown();
        if (model != null) {
            model.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void spendOnOneReplicaExhaustsTheBudget_theOtherRefusesTheNextRun_andARunInFlightStopsAtItsNextTurn()
            throws Exception {
        postgres.createDatabase("budget2");
        Map<String, String> env = Map.of(
                "DATABASE_URL", postgres.url("budget2"),
                "OPENAI_API_KEY", "sk-budget-test",
                "OPENAI_BASE_URL", model.baseUrl(),
                "MODEL_PRICE_INPUT_PER_MTOK", "10",
                "MODEL_PRICE_OUTPUT_PER_MTOK", "30",
                "HARNESS_TENANT_DAILY_BUDGET_USD", "0.05",
                "HARNESS_ADMIN_PRINCIPALS", "local");
        Path logA = Files.createTempFile(Path.of("/tmp"), "harness-budget-a-", ".log");
        Path logB = Files.createTempFile(Path.of("/tmp"), "harness-budget-b-", ".log");

        try (HarnessProcess a = HarnessProcess.start(env, logA); HarnessProcess b = HarnessProcess.start(env, logB)) {
            HarnessHttp replicaA = new HarnessHttp(a.baseUrl());
            HarnessHttp replicaB = new HarnessHttp(b.baseUrl());

            // A run in flight (on whichever replica claims it), held inside its first model call.
            HttpResponse<String> early = replicaB.submitBodyAsync("{\"message\":\"early-run\",\"max_turns\":5}");
            assertEquals(202, early.statusCode(), early.body());
            String earlyId = HarnessHttp.json(early.body()).path("run_id").asText();
            assertTrue(firstCallArrived.await(60, TimeUnit.SECONDS), "the early run reached the model");

            // The spender, submitted to replica A: nothing spent yet, so it is accepted and its one call made.
            HttpResponse<String> spender = replicaA.submitAsync("spender-run");
            assertEquals(202, spender.statusCode(), spender.body());
            String spenderId = HarnessHttp.json(spender.body()).path("run_id").asText();
            JsonNode spent = replicaA.awaitTerminal(List.of(spenderId), Duration.ofSeconds(60)).get(spenderId);
            assertEquals("succeeded", spent.path("status").asText(), spent.toString());

            // The early run gets its answer now; before its next call the budget (in the database) is spent.
            releaseFirstCall.countDown();
            JsonNode stopped = replicaB.awaitTerminal(List.of(earlyId), Duration.ofSeconds(60)).get(earlyId);
            assertEquals("failed", stopped.path("status").asText(), stopped.toString());
            assertEquals("BudgetExceeded", stopped.path("reason").asText(), stopped.toString());

            // Replica B never executed the spender's call, yet refuses the next run.
            HttpResponse<String> refused = replicaB.submitAsync("one-more-run");
            assertEquals(429, refused.statusCode(), refused.body());
            JsonNode problem = HarnessHttp.json(refused.body());
            assertEquals("daily_budget_usd", problem.path("limit").asText(), refused.body());
            assertEquals(0.0573, problem.path("spent_usd").asDouble(), 1e-9, refused.body());
            Instant resetsAt = Instant.parse(problem.path("resets_at").asText());
            assertEquals(Instant.now().truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS), resetsAt);
            long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
            assertTrue(Math.abs(Instant.now().plusSeconds(retryAfter).getEpochSecond() - resetsAt.getEpochSecond()) <= 60,
                    "Retry-After " + retryAfter + " counts to " + resetsAt);
            assertEquals(429, replicaA.submitAsync("and-on-a-run").statusCode(), "both replicas agree");

            JsonNode admin = HarnessHttp.json(replicaB.get("/admin/principals/local", Duration.ofSeconds(10)).body());
            assertEquals(0.0573, admin.path("spent_today_usd").asDouble(), 1e-9, admin.toString());
            assertEquals(0.05, admin.path("limits").path("daily_budget_usd").asDouble(), 1e-9, admin.toString());
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
