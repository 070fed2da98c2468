package dev.agentharness.runtime.runs;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.state.Database;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import io.restassured.path.json.config.JsonPathConfig.NumberReturnType;
import io.restassured.response.Response;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
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
 * Cost end to end on the FAKE model with scripted usage and a price table: each model call is priced when it is
 * journaled and gets its row of {@code public.usage}; a run's cost is the sum of its calls' (hand-computed here), a
 * resumed run bills each call once, {@code GET /usage} groups them per tenant, and an unpriced model is refused.
 *
 * <p>Prices (US dollars per million tokens): gpt-5.4-mini 0.25 input, 0.025 cached input, 2.00 output; gpt-4.1-mini
 * 0.40, 0.10, 1.60. The agent {@code triage} runs on gpt-5.4-mini and hands off to {@code billing}, which runs on the
 * run's model. Principals are this class's own (the test database is shared with other classes).
 */
@QuarkusTest
@TestProfile(UsageAndCostTest.PricedModels.class)
class UsageAndCostTest {

    /**
     * Fresh principals per JVM: the test database outlives a run of the tests (target/test-data). Kept in a system
     * property, as the profile and the test instance may be loaded by different class loaders.
     */
    static final String SUFFIX = (String) System.getProperties().computeIfAbsent("harness.test.usage-suffix",
            name -> java.util.UUID.randomUUID().toString().substring(0, 8));
    static final String ALICE = "usage-alice-" + SUFFIX;
    static final String BOB = "usage-bob-" + SUFFIX;
    static final String CAROL = "usage-carol-" + SUFFIX;
    static final String DAVE = "usage-dave-" + SUFFIX;
    static final String ADMIN = "usage-admin-" + SUFFIX;
    static final String ALICE_KEY = "usage-alice-key-0123456789abcdef";
    static final String BOB_KEY = "usage-bob-key-0123456789abcdef00";
    static final String CAROL_KEY = "usage-carol-key-0123456789abcdef";
    static final String DAVE_KEY = "usage-dave-key-0123456789abcdef0";
    static final String ADMIN_KEY = "usage-admin-key-0123456789abcdef";
    private static final double DELTA = 1e-12;

    /** The FAKE model, a price table, a two-model agent, admin and tenant keys, 3 s leases. */
    public static class PricedModels implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path dir = Files.createDirectories(Path.of("target", "usage-and-cost"));
                Path prices = Files.writeString(dir.resolve("prices.yaml"), """
                        models:
                          gpt-5.4-mini: {input_usd_per_mtok: 0.25, cached_input_usd_per_mtok: 0.025, output_usd_per_mtok: 2.00}
                          gpt-4.1-mini: {input_usd_per_mtok: 0.40, cached_input_usd_per_mtok: 0.10, output_usd_per_mtok: 1.60}
                        """);
                Path agents = Files.createDirectories(dir.resolve("agents"));
                Files.writeString(agents.resolve("triage.yaml"), """
                        name: triage
                        instructions: Hand billing questions to the billing agent.
                        model: gpt-5.4-mini
                        handoffs:
                          - billing
                        """);
                return Map.of(
                        "harness.pricing.file", prices.toAbsolutePath().toString(),
                        "harness.agents.dir", agents.toAbsolutePath().toString(),
                        "harness.api-keys", ALICE + ":" + ALICE_KEY + "," + BOB + ":" + BOB_KEY + "," + CAROL + ":"
                                + CAROL_KEY + "," + DAVE + ":" + DAVE_KEY + "," + ADMIN + ":" + ADMIN_KEY,
                        "harness.admin-principals", ADMIN,
                        "harness.runs.lease-seconds", "3");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeModelResource.class));
        }
    }

    @Inject
    Database database;

    @Inject
    RunDispatcher dispatcher;

    FakeModelServer model;
    ConversationRouter router;
    final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void routeConversations() {
        model = FakeModelResource.server();
        router = ConversationRouter.installOn(model);
    }

    @AfterEach
    void releaseHangingCalls() {
        release.countDown();
    }

    @Test
    void aRunWithTwoModelCallsOnTwoModelsCostsWhatEachCallRecorded() {
        String token = ConversationRouter.token();
        routeTriageToBilling(token);

        JsonPath run = runSync(CAROL_KEY, "{\"agent\":\"triage\",\"model\":\"gpt-4.1-mini\",\"message\":\"invoice? "
                + token + "\"}");

        assertEquals("succeeded", run.getString("status"), run.prettify());
        // Call 1, triage on gpt-5.4-mini: (1,000 - 400) × 0.25 + 400 × 0.025 + 200 × 2.00 = 150 + 10 + 400 = 560 µ$.
        // Call 2, billing on gpt-4.1-mini: (2,000 - 1,500) × 0.40 + 1,500 × 0.10 + 100 × 1.60 = 200 + 150 + 160 = 510 µ$.
        assertEquals(3_000, run.getLong("usage.input_tokens"));
        assertEquals(1_900, run.getLong("usage.cached_input_tokens"));
        assertEquals(300, run.getLong("usage.output_tokens"));
        assertEquals(0.001070, run.getDouble("usage.cost_usd"), DELTA);

        List<Row> rows = usageRows(run.getString("run_id"));
        assertEquals(List.of("gpt-5.4-mini", "gpt-4.1-mini"), rows.stream().map(r -> r.getString("model")).toList());
        assertEquals(List.of(new BigDecimal("0.00056"), new BigDecimal("0.00051")),
                rows.stream().map(r -> r.getBigDecimal("cost_usd").stripTrailingZeros()).toList());
        assertEquals(List.of(400L, 1_500L), rows.stream().map(r -> r.getLong("cached_input_tokens")).toList());
        rows.forEach(row -> assertEquals(CAROL, row.getString("principal")));
        rows.forEach(row -> assertEquals("triage", row.getString("agent")));

        List<Double> journaled = new ArrayList<>();
        query("SELECT (payload->>'cost_usd')::float8 AS cost FROM public.run_steps WHERE run_id = $1 "
                + "AND kind = 'model_response' ORDER BY seq", Tuple.of(run.getString("run_id")))
                .forEach(row -> journaled.add(row.getDouble("cost")));
        assertEquals(2, journaled.size());
        assertEquals(0.00056, journaled.get(0), DELTA);
        assertEquals(0.00051, journaled.get(1), DELTA);
    }

    @Test
    void aResumedRunReplaysItsRecordedCallAndBillsEveryCallOnce() {
        String token = ConversationRouter.token();
        AtomicInteger calls = new AtomicInteger();
        router.route(token, request -> switch (calls.incrementAndGet()) {
            case 1 -> Reply.functionCall("lookup_account", "{\"account_id\":\"ACME-1001\"}").withUsage(100, 0, 10);
            case 2 -> hang(); // the worker is lost during this call: it never answers
            default -> Reply.message("Your account is active.").withUsage(200, 50, 20);
        });
        String runId = given().auth().oauth2(DAVE_KEY).contentType("application/json").header("Prefer", "respond-async")
                .body("{\"model\":\"gpt-4.1-mini\",\"message\":\"status of ACME-1001? " + token + "\"}")
                .post("/runs").then().statusCode(202).extract().path("run_id");
        await().atMost(Duration.ofSeconds(30)).until(() -> calls.get() == 2);

        // Another replica takes the run over; this one stops at its next heartbeat and records nothing.
        query("UPDATE public.runs SET lease_owner = 'worker-elsewhere', lease_expires_at = now() + interval '10 minutes' "
                + "WHERE id = $1", Tuple.of(runId));
        await().atMost(Duration.ofSeconds(20)).until(() -> dispatcher.inFlight() == 0);
        assertEquals(1, usageRows(runId).size(), "the first call is billed once it is journaled");
        // That replica dies too: the run goes back to the queue and is resumed here from its journal.
        query("UPDATE public.runs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL WHERE id = $1",
                Tuple.of(runId));
        dispatcher.wake();
        JsonPath run = await().atMost(Duration.ofSeconds(30)).until(() -> JsonPath.from(given().auth().oauth2(DAVE_KEY)
                .get("/runs/" + runId).then().statusCode(200).extract().asString()),
                r -> !List.of("queued", "running").contains(r.getString("status")));

        assertEquals("succeeded", run.getString("status"), run.prettify());
        assertEquals(3, calls.get(), "the recorded first call was replayed, not requested again");
        List<Row> rows = usageRows(runId);
        assertEquals(2, rows.size(), "each answered call billed once: the replayed one is not recorded again");
        // (100 × 0.40 + 10 × 1.60) + (150 × 0.40 + 50 × 0.10 + 20 × 1.60) = 56 + 97 = 153 µ$.
        assertEquals(300, run.getLong("usage.input_tokens"));
        assertEquals(50, run.getLong("usage.cached_input_tokens"));
        assertEquals(30, run.getLong("usage.output_tokens"));
        assertEquals(0.000153, run.getDouble("usage.cost_usd"), DELTA);
        assertEquals(0, new BigDecimal("0.000153").compareTo(
                rows.stream().map(r -> r.getBigDecimal("cost_usd")).reduce(BigDecimal.ZERO, BigDecimal::add)));
    }

    @Test
    void usageIsReportedPerTenantByPrincipalAgentModelAndDay() {
        String triage = ConversationRouter.token();
        routeTriageToBilling(triage);
        String alone = ConversationRouter.token();
        router.route(alone, request -> Reply.message("Done.").withUsage(500, 0, 50));
        String bobs = ConversationRouter.token();
        router.route(bobs, request -> Reply.message("Done.").withUsage(1_000, 1_000, 10));

        runSync(ALICE_KEY, "{\"agent\":\"triage\",\"model\":\"gpt-4.1-mini\",\"message\":\"invoice? " + triage + "\"}");
        runSync(ALICE_KEY, "{\"model\":\"gpt-4.1-mini\",\"message\":\"hello " + alone + "\"}");
        runSync(BOB_KEY, "{\"model\":\"gpt-4.1-mini\",\"message\":\"hello " + bobs + "\"}");

        // Alice: the triage run (560 + 510 µ$) and a maya run on gpt-4.1-mini, 500 × 0.40 + 50 × 1.60 = 280 µ$.
        // Bob: 1,000 cached × 0.10 + 10 × 1.60 = 116 µ$.
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        assertRows(report(ALICE_KEY, "group_by=model"),
                row("gpt-4.1-mini", 2, 2_500, 1_500, 150, 0.00079),
                row("gpt-5.4-mini", 1, 1_000, 400, 200, 0.00056));
        assertRows(report(ALICE_KEY, "group_by=agent"),
                row("maya", 1, 500, 0, 50, 0.00028),
                row("triage", 1, 3_000, 1_900, 300, 0.00107));
        assertRows(report(ALICE_KEY, "group_by=day"), row(today, 2, 3_500, 1_900, 350, 0.00135));
        assertRows(report(ALICE_KEY, ""), row(today, 2, 3_500, 1_900, 350, 0.00135));
        assertRows(report(ALICE_KEY, "group_by=principal&from=" + today + "&to="
                + LocalDate.now(ZoneOffset.UTC).plusDays(1)), row(ALICE, 2, 3_500, 1_900, 350, 0.00135));
        JsonPath bob = report(BOB_KEY, "group_by=principal");
        assertRows(bob, row(BOB, 1, 1_000, 1_000, 10, 0.000116));
        assertEquals(BOB, bob.getString("principal"));
        assertEquals("principal", bob.getString("group_by"));

        // A tenant never reads another's; an admin reads one tenant, or every one.
        Response forbidden = given().auth().oauth2(BOB_KEY).get("/usage?group_by=model&principal=" + ALICE);
        assertEquals(403, forbidden.statusCode());
        assertTrue(forbidden.contentType().startsWith("application/problem+json"), forbidden.contentType());
        assertTrue(forbidden.jsonPath().getString("detail").contains("principal"), forbidden.asString());
        assertRows(report(ADMIN_KEY, "group_by=agent&principal=" + ALICE),
                row("maya", 1, 500, 0, 50, 0.00028),
                row("triage", 1, 3_000, 1_900, 300, 0.00107));
        assertRows(report(ADMIN_KEY, "group_by=model"));
        JsonPath everyone = report(ADMIN_KEY, "group_by=principal&principal=*");
        List<Map<String, Object>> ours = everyone.<Map<String, Object>>getList("rows").stream()
                .filter(r -> List.of(ALICE, BOB).contains(r.get("key"))).toList();
        assertEquals(List.of(ALICE, BOB), ours.stream().map(r -> r.get("key")).toList());
        assertEquals(0.000116, ((Number) ours.get(1).get("cost_usd")).doubleValue(), DELTA);
    }

    @Test
    void badReportParametersAre400sNamingTheParameter() {
        badRequest("group_by=week", "group_by");
        badRequest("from=yesterday", "from");
        badRequest("to=2026-13-01", "to");
        badRequest("from=2026-12-02&to=2026-12-01", "to");
        badRequest("from=2025-01-01&to=2026-02-06", "400 days");
        // A window of exactly 400 days is fine.
        given().auth().oauth2(ALICE_KEY).get("/usage?from=2025-01-01&to=2026-02-05").then().statusCode(200);
    }

    @Test
    void aRunOnAModelThePriceTableDoesNotPriceIsRefused() {
        Response refused = given().auth().oauth2(ALICE_KEY).contentType("application/json")
                .body("{\"model\":\"gpt-unpriced\",\"message\":\"hello\"}").post("/runs");

        assertEquals(400, refused.statusCode(), refused.asString());
        String detail = refused.jsonPath().getString("detail");
        assertTrue(detail.startsWith("field 'model'") && detail.contains("gpt-unpriced"), detail);
    }

    private void routeTriageToBilling(String token) {
        router.route(token, request -> "gpt-5.4-mini".equals(request.model())
                ? Reply.functionCall("transfer_to_billing", "{}").withUsage(1_000, 400, 200)
                : Reply.message("Your invoice is paid.").withUsage(2_000, 1_500, 100));
    }

    private static JsonPath runSync(String key, String body) {
        JsonPath run = JsonPath.from(given().auth().oauth2(key).contentType("application/json").body(body).post("/runs")
                .then().statusCode(200).extract().asString());
        assertEquals("succeeded", run.getString("status"), run.prettify());
        return run;
    }

    private static JsonPath report(String key, String query) {
        // Decimals as double: JsonPath's default (float) would blur the hand-computed micro-dollars.
        return JsonPath.from(given().auth().oauth2(key).get(query.isEmpty() ? "/usage" : "/usage?" + query).then().statusCode(200).extract()
                .asString()).using(JsonPathConfig.jsonPathConfig().numberReturnType(NumberReturnType.DOUBLE));
    }

    private static void badRequest(String query, String named) {
        Response response = given().auth().oauth2(ALICE_KEY).get("/usage?" + query);
        assertEquals(400, response.statusCode(), query + ": " + response.asString());
        assertTrue(response.contentType().startsWith("application/problem+json"), response.contentType());
        assertTrue(response.jsonPath().getString("detail").contains(named), query + ": " + response.asString());
    }

    private record ExpectedRow(String key, long runs, long input, long cached, long output, double cost) {
    }

    private static ExpectedRow row(String key, long runs, long input, long cached, long output, double cost) {
        return new ExpectedRow(key, runs, input, cached, output, cost);
    }

    private static void assertRows(JsonPath report, ExpectedRow... expected) {
        List<Map<String, Object>> rows = report.getList("rows");
        assertEquals(expected.length, rows.size(), report.prettify());
        for (int i = 0; i < expected.length; i++) {
            Map<String, Object> row = rows.get(i);
            ExpectedRow want = expected[i];
            assertEquals(want.key(), row.get("key"), report.prettify());
            assertEquals(want.runs(), ((Number) row.get("runs")).longValue(), report.prettify());
            assertEquals(want.input(), ((Number) row.get("input_tokens")).longValue(), report.prettify());
            assertEquals(want.cached(), ((Number) row.get("cached_input_tokens")).longValue(), report.prettify());
            assertEquals(want.output(), ((Number) row.get("output_tokens")).longValue(), report.prettify());
            assertEquals(want.cost(), ((Number) row.get("cost_usd")).doubleValue(), DELTA, report.prettify());
        }
    }

    private List<Row> usageRows(String runId) {
        List<Row> rows = new ArrayList<>();
        query("SELECT * FROM public.usage WHERE run_id = $1 ORDER BY seq", Tuple.of(runId)).forEach(rows::add);
        return rows;
    }

    private io.vertx.sqlclient.RowSet<Row> query(String sql, Tuple args) {
        try {
            return database.pool().preparedQuery(sql).execute(args).toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Reply hang() {
        try {
            release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Reply.message("too late");
    }
}
