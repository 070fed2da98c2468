package dev.agentharness.runtime.runs;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.state.AlertEvents;
import dev.agentharness.runtime.state.Database;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WebhookReceiver;
import dev.agentharness.runtime.testing.WebhookReceiverResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Budgets and the kill switch over real HTTP, on the FAKE model with scripted usage and the global price
 * ($10 input, $30 output per million tokens), and a real webhook receiver:
 * a run's {@code max_cost_usd} / {@code max_tokens} stop it before the call that would pass them (hand-computed below),
 * a principal's daily budget stops its running run and refuses the next (429), suspending a principal stops its run in
 * a model call at once and refuses submissions (403) until it is resumed, and the webhook gets each alert once.
 */
@QuarkusTest
@TestProfile(BudgetsTest.Budgets.class)
class BudgetsTest {

    /**
     * Principals unique to this JVM (its start time, the same in every class loader), so a re-run on the same data
     * directory on the same day starts from no spend, no suspension and no alert.
     */
    static final String RUN = Long.toString(java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime()
            % 1_000_000_000L, 36);
    static final String P_ALICE = "alice-" + RUN;
    static final String P_CAROL = "carol-" + RUN;
    static final String P_DAVE = "dave-" + RUN;
    static final String ALICE = "alice-budget-key-0123456789";
    static final String CAROL = "carol-budget-key-0123456789";
    static final String DAVE = "dave-budget-key-0123456789a";
    static final String ROOT = "root-admin-key-0123456789ab";

    public static class Budgets implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Path tenants = Path.of("target/budgets-test-tenants.yaml");
            try {
                Files.createDirectories(tenants.getParent());
                Files.writeString(tenants, "principals:\n  " + P_CAROL + ": {daily_budget_usd: 0.05}\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of(
                    "harness.api-keys", P_ALICE + ":" + ALICE + "," + P_CAROL + ":" + CAROL + "," + P_DAVE + ":"
                            + DAVE + ",root:" + ROOT,
                    "harness.admin-principals", "root",
                    "harness.tenants.file", tenants.toString(),
                    "harness.pricing.input-usd-per-million-tokens", "10",
                    "harness.pricing.output-usd-per-million-tokens", "30",
                    // The test refreshes the spend signal itself.
                    "harness.metrics.spend-refresh-interval", "off",
                    "harness.alerts.spike-minimum-usd", "0.01",
                    "harness.runs.lease-seconds", "3");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeModelResource.class),
                    new TestResourceEntry(WebhookReceiverResource.class));
        }
    }

    @Inject
    Database database;

    @Inject
    CostSpikes costSpikes;

    @Inject
    AlertEvents alertEvents;

    FakeModelServer model;
    ConversationRouter router;
    WebhookReceiver webhook;
    final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void setUp() {
        model = FakeModelResource.server();
        router = ConversationRouter.installOn(model);
        webhook = WebhookReceiverResource.receiver();
    }

    @AfterEach
    void releaseHangingCalls() {
        release.countDown();
    }

    /**
     * An "expensive conversation": the model keeps calling a tool; its n-th answer (n = 1, 2, …) reports
     * 700 + 300n input and 200 output tokens, i.e. $0.001 × (10 + 3n) at the test prices:
     * call 1 = 1000 in + 200 out = $0.016, call 2 = 1300 + 200 = $0.019, call 3 = 1600 + 200 = $0.022.
     */
    private AtomicInteger expensiveConversation(String token) {
        AtomicInteger calls = new AtomicInteger();
        router.route(token, request -> {
            int n = calls.incrementAndGet();
            return Reply.functionCall("lookup_account", "{\"account_id\":\"ACME-1001\"}")
                    .withUsage(700 + 300L * n, 0, 200);
        });
        return calls;
    }

    @Test
    void maxCostUsd_stopsTheRunBeforeTheCallCertainToPassIt() {
        String token = ConversationRouter.token();
        AtomicInteger calls = expensiveConversation(token);

        // Before call 2: spent $0.016, the next costs ≥ (1000 + 200) × $10/M = $0.012 → $0.028 ≤ $0.06, go.
        // Before call 3: spent $0.035, next ≥ (1300 + 200) × $10/M = $0.015 → $0.050 ≤ $0.06, go.
        // Before call 4: spent $0.057, next ≥ (1600 + 200) × $10/M = $0.018 → $0.075 > $0.06: stop, under the limit.
        JsonPath run = awaitTerminal(ALICE, submit(ALICE, "{\"message\":\"expensive " + token
                + "\",\"max_cost_usd\":0.06,\"max_turns\":20}"));

        assertEquals("failed", run.getString("status"), run.prettify());
        assertEquals("BudgetExceeded", run.getString("reason"));
        assertEquals(3, calls.get(), "the fourth call was certain to pass the budget and was never made");
        assertEquals(0.057, run.getDouble("usage.cost_usd"), 1e-9, run.prettify());
        String end = terminalMessage(run.getString("run_id"));
        assertTrue(end.contains("spent $0.0570 of max_cost_usd $0.0600 over 3 model call(s)"), end);
        assertTrue(end.contains("the next call would cost at least $0.0180"), end);
        assertTrue(end.contains("1600 input + 200 output tokens"), end);
    }

    @Test
    void maxCostUsd_reachedStopsTheRunAtItsNextTurn() {
        String token = ConversationRouter.token();
        AtomicInteger calls = expensiveConversation(token);

        // Before call 2: $0.016 + at least $0.012 = $0.028 ≤ $0.03, go; after it $0.035 ≥ $0.03: stop before call 3.
        JsonPath run = awaitTerminal(ALICE, submit(ALICE, "{\"message\":\"expensive " + token
                + "\",\"max_cost_usd\":0.03,\"max_turns\":20}"));

        assertEquals("BudgetExceeded", run.getString("reason"), run.prettify());
        assertEquals(2, calls.get());
        assertEquals(0.035, run.getDouble("usage.cost_usd"), 1e-9);
        String end = terminalMessage(run.getString("run_id"));
        assertTrue(end.contains("spent $0.0350 of max_cost_usd $0.0300 over 2 model call(s); the limit is reached"),
                end);
    }

    @Test
    void maxTokens_stopsTheRunBeforeTheCallCertainToPassIt() {
        String token = ConversationRouter.token();
        AtomicInteger calls = expensiveConversation(token);

        // After call 1: 1200 tokens; before call 2: 1200 + ≥1200 = 2400 ≤ 4000, go; after call 2: 2700;
        // before call 3: 2700 + ≥1500 = 4200 > 4000: stop.
        JsonPath run = awaitTerminal(ALICE, submit(ALICE, "{\"message\":\"tokens " + token
                + "\",\"max_tokens\":4000,\"max_turns\":20}"));

        assertEquals("BudgetExceeded", run.getString("reason"), run.prettify());
        assertEquals(2, calls.get());
        String end = terminalMessage(run.getString("run_id"));
        assertTrue(end.contains("used 2700 of max_tokens 4000 tokens over 2 model call(s)"), end);
    }

    @Test
    void badBudgetsAre400sNamingTheField() {
        for (String body : List.of("{\"message\":\"x\",\"max_cost_usd\":0}", "{\"message\":\"x\",\"max_cost_usd\":-1}",
                "{\"message\":\"x\",\"max_cost_usd\":\"NaN\"}", "{\"message\":\"x\",\"max_cost_usd\":\"1\"}",
                "{\"message\":\"x\",\"max_cost_usd\":1e999}")) {
            String detail = given().auth().oauth2(ALICE).contentType("application/json").body(body).post("/runs")
                    .then().statusCode(400).contentType("application/problem+json").extract().path("detail");
            assertTrue(detail.contains("max_cost_usd"), body + " → " + detail);
        }
        for (String body : List.of("{\"message\":\"x\",\"max_tokens\":0}", "{\"message\":\"x\",\"max_tokens\":-5}",
                "{\"message\":\"x\",\"max_tokens\":1.5}", "{\"message\":\"x\",\"max_tokens\":\"10\"}")) {
            String detail = given().auth().oauth2(ALICE).contentType("application/json").body(body).post("/runs")
                    .then().statusCode(400).contentType("application/problem+json").extract().path("detail");
            assertTrue(detail.contains("max_tokens"), body + " → " + detail);
        }
    }

    @Test
    void dailyBudget_stopsTheRunningRunAndRefusesTheNextWith429UntilMidnight() {
        String token = ConversationRouter.token();
        AtomicInteger calls = new AtomicInteger();
        // Call 1: 3000 in + 200 out = $0.036 (under carol's $0.05); call 2: 3300 + 200 = $0.039 → $0.075 today.
        router.route(token, request -> Reply.functionCall("lookup_account", "{\"account_id\":\"ACME-1001\"}")
                .withUsage(2700 + 300L * calls.incrementAndGet(), 0, 200));

        JsonPath run = awaitTerminal(CAROL, submit(CAROL, "{\"message\":\"daily " + token + "\",\"max_turns\":20}"));

        assertEquals("BudgetExceeded", run.getString("reason"), run.prettify());
        assertEquals(2, calls.get(), "the daily budget was spent after call 2: no third call");
        String end = terminalMessage(run.getString("run_id"));
        assertTrue(end.contains("principal " + P_CAROL + " spent $0.0750 of its daily_budget_usd $0.0500 today (UTC)"), end);

        Response refused = given().auth().oauth2(CAROL).contentType("application/json")
                .body("{\"message\":\"one more\"}").post("/runs");
        assertEquals(429, refused.statusCode(), refused.asString());
        assertEquals("application/problem+json", refused.contentType());
        JsonPath problem = refused.jsonPath();
        assertEquals("daily_budget_usd", problem.getString("limit"));
        assertEquals(0.075, problem.getDouble("spent_usd"), 1e-9);
        assertEquals(0.05, problem.getDouble("daily_budget_usd"), 1e-9);
        Instant resetsAt = Instant.parse(problem.getString("resets_at"));
        assertEquals(Instant.now().truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS), resetsAt);
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 86_400, "Retry-After " + retryAfter);
        assertTrue(Math.abs(Instant.now().plusSeconds(retryAfter).getEpochSecond() - resetsAt.getEpochSecond()) <= 60,
                "Retry-After counts to the next UTC midnight");

        // Another principal is not affected.
        given().auth().oauth2(ALICE).contentType("application/json").header("Prefer", "respond-async")
                .body("{\"message\":\"unaffected " + ConversationRouter.token() + "\"}").post("/runs")
                .then().statusCode(202);

        // The webhook hears of it once, though both the run and the refused submission saw the budget spent.
        await().atMost(Duration.ofSeconds(20)).until(() -> !webhook.acceptedMentioning("Daily budget exhausted",
                "principal " + P_CAROL + " ").isEmpty());
        List<JsonNode> alerts = webhook.acceptedMentioning("Daily budget exhausted", "principal " + P_CAROL + " ");
        assertEquals(1, alerts.size(), alerts.toString());
        JsonNode alert = alerts.getFirst();
        assertEquals("section", alert.path("blocks").path(0).path("type").asText());
        assertEquals(alert.path("text").asText(), alert.path("blocks").path(0).path("text").path("text").asText());
        assertTrue(alert.path("text").asText().contains("spent $0.0750 of its daily_budget_usd $0.0500"),
                alert.toString());
    }

    @Test
    void killSwitch_stopsARunInAModelCallAtOnce_refusesNewRuns_andResumeLetsThemIn() {
        String token = ConversationRouter.token();
        CountDownLatch inModelCall = new CountDownLatch(1);
        router.route(token, request -> {
            inModelCall.countDown();
            return hang();
        });
        String runId = submit(DAVE, "{\"message\":\"slow " + token + "\"}");
        await().atMost(Duration.ofSeconds(20)).until(() -> inModelCall.getCount() == 0);

        // Not an admin: the admin API does not exist for dave.
        given().auth().oauth2(DAVE).contentType("application/json").body("{}")
                .post("/admin/principals/" + P_DAVE + "/suspend").then().statusCode(404);
        given().auth().oauth2(ALICE).get("/admin/principals/" + P_DAVE).then().statusCode(404);

        JsonPath suspended = given().auth().oauth2(ROOT).contentType("application/json")
                .body("{\"reason\":\"runaway spend\"}").post("/admin/principals/" + P_DAVE + "/suspend")
                .then().statusCode(200).extract().jsonPath();
        assertTrue(suspended.getBoolean("suspended"));
        assertEquals("root", suspended.getString("suspended_by"));
        assertEquals("runaway spend", suspended.getString("reason"));
        assertNotNull(suspended.getString("suspended_at"));

        // The model call in flight is abandoned: the run ends long before the fake answers (it never does).
        JsonPath run = awaitTerminal(DAVE, runId);
        assertEquals("failed", run.getString("status"), run.prettify());
        assertEquals("Suspended", run.getString("reason"));

        Response refused = given().auth().oauth2(DAVE).contentType("application/json")
                .body("{\"message\":\"again\"}").post("/runs");
        assertEquals(403, refused.statusCode(), refused.asString());
        assertEquals("suspended", refused.jsonPath().getString("limit"));
        assertEquals("root", refused.jsonPath().getString("suspended_by"));
        assertTrue(refused.jsonPath().getString("detail").contains("suspended (by root at "), refused.asString());

        JsonPath status = given().auth().oauth2(ROOT).get("/admin/principals/" + P_DAVE).then().statusCode(200)
                .extract().jsonPath();
        assertTrue(status.getBoolean("suspended"));
        assertEquals(0.0, status.getDouble("spent_today_usd"), 1e-9);
        assertTrue(status.getMap("limits").containsKey("daily_budget_usd"));

        JsonPath resumed = given().auth().oauth2(ROOT).post("/admin/principals/" + P_DAVE + "/resume").then().statusCode(200)
                .extract().jsonPath();
        assertFalse(resumed.getBoolean("suspended"));
        assertEquals("root", resumed.getString("resumed_by"));

        String next = ConversationRouter.token();
        router.route(next, request -> Reply.message("back in business"));
        JsonPath after = awaitTerminal(DAVE, submit(DAVE, "{\"message\":\"hello " + next + "\"}"));
        assertEquals("succeeded", after.getString("status"), after.prettify());

        List<String> audit = query("SELECT action || ' ' || (detail->>'by') AS line FROM public.audit_log "
                + "WHERE principal = $1 AND action LIKE 'principal.%' ORDER BY id", Tuple.of(P_DAVE), "line");
        assertEquals(List.of("principal.suspended root", "principal.resumed root"), audit);
        await().atMost(Duration.ofSeconds(20)).until(() -> webhook.acceptedMentioning("Principal resumed: " + P_DAVE + " ")
                .size() == 1);
        assertEquals(1, webhook.acceptedMentioning("Principal suspended: " + P_DAVE + " by root (runaway spend)").size());
    }

    @Test
    void costSpike_isAMetricPerPrincipalAndOneWebhookAlertPerDay_retriedThroughAFlakyReceiver() {
        String token = ConversationRouter.token();
        // One call of 3000 in + 200 out = $0.036 today, against no history: more than 3 × $0 and $0.01.
        router.route(token, request -> Reply.message("pricey").withUsage(3000, 0, 200));
        JsonPath run = awaitTerminal(ALICE, submit(ALICE, "{\"message\":\"spike " + token + "\"}"));
        assertEquals("succeeded", run.getString("status"), run.prettify());

        webhook.failNext(2); // Slack answers 500 twice, then accepts: the alert still arrives, once
        int attemptsBefore = webhook.attempts();
        List<CostSpikes.Signal> signals = costSpikes.refresh();
        costSpikes.refresh(); // a second refresh (or another replica's) raises nothing new

        CostSpikes.Signal alice = signals.stream().filter(s -> s.principal().equals(P_ALICE)).findFirst().orElseThrow();
        assertTrue(alice.todayUsd().doubleValue() >= 0.036, alice.toString());
        await().atMost(Duration.ofSeconds(20)).until(() -> !webhook.acceptedMentioning("Cost spike: principal " + P_ALICE + " ")
                .isEmpty());
        assertEquals(1, webhook.acceptedMentioning("Cost spike: principal " + P_ALICE + " ").size());
        assertTrue(webhook.attempts() - attemptsBefore >= 3, "two refused attempts, then the accepted one");

        String metrics = given().get("/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("agentharness_principal_spend_today_usd{principal=\"" + P_ALICE + "\"}"), metrics);
        assertTrue(metrics.contains("agentharness_principal_spend_daily_average_7d_usd{principal=\"" + P_ALICE + "\"}"));

        // Exactly once across replicas: the row decides, whichever replica inserts first.
        String day = Instant.now().truncatedTo(ChronoUnit.DAYS).toString().substring(0, 10);
        assertFalse(alertEvents.raise(P_ALICE, "cost_spike", day, "{}"), "already raised today");
        assertTrue(alertEvents.raise(P_ALICE, "cost_spike", "1999-01-01", "{}"));
    }

    private Reply hang() {
        try {
            release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Reply.message("too late");
    }

    private static String submit(String key, String body) {
        return given().auth().oauth2(key).contentType("application/json").header("Prefer", "respond-async")
                .body(body).post("/runs").then().statusCode(202).extract().path("run_id");
    }

    private static JsonPath awaitTerminal(String key, String runId) {
        List<JsonPath> last = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonPath run = JsonPath.from(given().auth().oauth2(key).get("/runs/" + runId).then().statusCode(200)
                    .extract().asString());
            last.clear();
            last.add(run);
            return List.of("succeeded", "failed", "cancelled", "timed_out").contains(run.getString("status"));
        });
        return last.getFirst();
    }

    /** The message of the run's terminal journal step. */
    private String terminalMessage(String runId) {
        List<String> messages = query("SELECT payload->>'message' AS message FROM public.run_steps WHERE run_id = $1 "
                + "AND kind = 'run_failed'", Tuple.of(runId), "message");
        assertEquals(1, messages.size(), "one terminal step");
        return messages.getFirst();
    }

    private List<String> query(String sql, Tuple args, String column) {
        try {
            RowSet<Row> rows = database.pool().preparedQuery(sql).execute(args).toCompletionStage()
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            List<String> values = new ArrayList<>();
            rows.forEach(row -> values.add(row.getString(column)));
            return values;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

}
