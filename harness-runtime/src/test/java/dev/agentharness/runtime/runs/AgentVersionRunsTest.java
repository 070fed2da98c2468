package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.api.agents.AgentSpecValidation;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.RecordedRequest;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.agent.AgentRegistry;
import dev.agentharness.runtime.security.Caller;
import dev.agentharness.runtime.state.AgentVersions;
import dev.agentharness.runtime.state.Database;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs of versioned agents end to end on the FAKE model: a tenant's registered, activated agent runs at its active
 * version, which the run records everywhere (run row and views, usage row and report, trace, transcript); a pinned
 * version answers with its own prompt while another is active; a resumed run keeps the version it was submitted with
 * after the active one moved; unknown versions, agents without an active version and unknown agents are refused.
 *
 * <p>The FAKE answers every conversation of a test's token with the instructions and tools the request carried, so
 * the reply shows which version's prompt ran. Agents are registered straight into the store (as {@code PUT /agents}
 * does) under fresh names: the test database is shared with other classes.
 */
@QuarkusTest
@TestProfile(AgentVersionRunsTest.FakeModelShortLeases.class)
class AgentVersionRunsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AttributeKey<String> AGENT_VERSION = AttributeKey.stringKey("gen_ai.agent.version");

    /** The FAKE model and 3 s leases (a run whose lease is taken stops within a heartbeat). */
    public static class FakeModelShortLeases implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("harness.runs.lease-seconds", "3");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeModelResource.class));
        }
    }

    @Inject
    AgentVersions versions;

    @Inject
    AgentRegistry registry;

    @Inject
    Database database;

    @Inject
    RunDispatcher dispatcher;

    @Inject
    InMemorySpanExporter exported;

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
    void aRunOfAnActivatedTenantAgentRecordsItsVersionOnTheRunUsageTraceAndTranscript() {
        String name = fresh("support");
        String v1 = register(name, spec("You are support v1.", List.of(),
                List.of(Map.of("name", "says_v1", "reply_contains", "v1"))));
        assertTrue(versions.activate(Caller.LOCAL, name, v1));
        String token = echoInstructions();

        JsonPath run = runSync("{\"agent\":\"" + name + "\",\"message\":\"hello " + token + "\"}");

        assertEquals("succeeded", run.getString("status"), run.prettify());
        assertTrue(run.getString("reply").contains("You are support v1."), run.getString("reply"));
        String runId = run.getString("run_id");
        assertEquals(v1, run.getString("agent_version"));
        assertEquals(v1, JsonPath.from(given().get("/runs/" + runId).then().statusCode(200).extract().asString())
                .getString("agent_version"));
        JsonPath page = JsonPath.from(given().queryParam("updated_since", run.getString("created_at"))
                .get("/runs").then().statusCode(200).extract().asString());
        assertEquals(v1, page.getString("runs.find { it.run_id == '" + runId + "' }.agent_version"), page.prettify());
        assertEquals(v1, JsonPath.from(given().get("/runs/" + runId + "/transcript").then().statusCode(200).extract()
                .asString()).getString("agent_version"));

        Row stored = query("SELECT agent_version, agent_versions::text AS versions FROM public.runs WHERE id = $1",
                Tuple.of(runId)).iterator().next();
        assertEquals(v1, stored.getString("agent_version"));
        assertEquals(Map.of(name, v1), parse(stored.getString("versions")));
        List<String> billed = new ArrayList<>();
        query("SELECT agent_version FROM public.usage WHERE run_id = $1", Tuple.of(runId))
                .forEach(row -> billed.add(row.getString("agent_version")));
        assertEquals(List.of(v1), billed);
        JsonPath usage = JsonPath.from(given().get("/usage?group_by=agent_version").then().statusCode(200).extract()
                .asString());
        assertEquals("agent_version", usage.getString("group_by"));
        assertTrue(usage.getList("rows.key").contains(name + "@" + v1), usage.prettify());

        // The trace: the run's root span and its agent span carry gen_ai.agent.version.
        List<SpanData> spans = await().atMost(Duration.ofSeconds(20)).until(() -> exported.getFinishedSpanItems()
                .stream().filter(span -> runId.equals(span.getAttributes().get(AttributeKey.stringKey("run_id"))))
                .toList(), list -> list.stream().anyMatch(span -> span.getName().equals("agent.run")));
        SpanData root = spans.stream().filter(span -> span.getName().equals("agent.run")).findFirst().orElseThrow();
        assertEquals(v1, root.getAttributes().get(AGENT_VERSION));
        SpanData agentSpan = spans.stream().filter(span -> span.getName().equals("invoke_agent " + name)).findFirst()
                .orElseThrow(() -> new AssertionError(spans.stream().map(SpanData::getName).toList().toString()));
        assertEquals(v1, agentSpan.getAttributes().get(AGENT_VERSION));

        // The version's inline evaluator graded the run.
        JsonPath graded = await().atMost(Duration.ofSeconds(20)).until(() -> JsonPath.from(given()
                .get("/runs/" + runId).then().statusCode(200).extract().asString()),
                r -> !r.getList("evaluations").isEmpty());
        assertEquals("says_v1", graded.getString("evaluations[0].name"), graded.prettify());
        assertEquals(true, graded.getBoolean("evaluations[0].passed"), graded.prettify());
    }

    @Test
    void aPinnedVersionAnswersWithItsOwnPromptWhileANewerOneIsActive() {
        String name = fresh("pinned");
        String v1 = register(name, spec("You are pinned v1.", List.of(), List.of()));
        String v2 = register(name, spec("You are pinned v2.", List.of("lookup_account"), List.of()));
        assertNotEquals(v1, v2);
        assertTrue(versions.activate(Caller.LOCAL, name, v2));
        String token = echoInstructions();

        JsonPath active = runSync("{\"agent\":\"" + name + "\",\"message\":\"hi " + token + "\"}");
        JsonPath pinned = runSync("{\"agent\":\"" + name + "\",\"agent_version\":\"" + v1 + "\",\"message\":\"hi "
                + token + "\"}");

        assertEquals(v2, active.getString("agent_version"));
        assertTrue(active.getString("reply").contains("You are pinned v2. tools=[lookup_account]"),
                active.getString("reply"));
        assertEquals(v1, pinned.getString("agent_version"));
        assertTrue(pinned.getString("reply").contains("You are pinned v1. tools=[]"), pinned.getString("reply"));
    }

    @Test
    void aHandoffTargetThatIsATenantAgentIsRecordedAtItsActiveVersion() {
        String helper = fresh("helper");
        String helperV1 = register(helper, spec("You are the helper v1.", List.of(), List.of()));
        assertTrue(versions.activate(Caller.LOCAL, helper, helperV1));
        String front = fresh("front");
        Map<String, Object> frontSpec = spec("You are the front desk.", List.of(), List.of());
        frontSpec.put("handoffs", List.of(helper, "billing"));
        String frontV1 = register(front, frontSpec);
        assertTrue(versions.activate(Caller.LOCAL, front, frontV1));
        String token = ConversationRouter.token();
        router.route(token, request -> request.instructions().startsWith("You are the front desk.")
                ? Reply.functionCall("transfer_to_" + helper.replace('-', '_'), "{}")
                : Reply.message("answered: " + request.instructions()));

        JsonPath run = runSync("{\"agent\":\"" + front + "\",\"message\":\"hi " + token + "\"}");

        assertEquals("succeeded", run.getString("status"), run.prettify());
        assertTrue(run.getString("reply").contains("You are the helper v1."), run.getString("reply"));
        Row stored = query("SELECT agent_versions::text AS versions FROM public.runs WHERE id = $1",
                Tuple.of(run.getString("run_id"))).iterator().next();
        assertEquals(Map.of(front, frontV1, helper, helperV1), parse(stored.getString("versions")),
                "tenant agents reachable through handoffs, at their active versions; built-in billing is not listed");
    }

    @Test
    void aResumedRunKeepsTheVersionItWasSubmittedWithAfterTheActiveOneMoved() {
        String name = fresh("resumed");
        String v1 = register(name, spec("You are resumed v1.", List.of("lookup_account"), List.of()));
        String v2 = register(name, spec("You are resumed v2.", List.of("lookup_account"), List.of()));
        assertTrue(versions.activate(Caller.LOCAL, name, v1));
        String token = ConversationRouter.token();
        AtomicInteger calls = new AtomicInteger();
        List<String> instructions = new java.util.concurrent.CopyOnWriteArrayList<>();
        router.route(token, request -> {
            instructions.add(request.instructions());
            return switch (calls.incrementAndGet()) {
                case 1 -> Reply.functionCall("lookup_account", "{\"account_id\":\"ACME-1001\"}");
                case 2 -> hang(); // the worker is lost during this call
                default -> Reply.message("answered by: " + request.instructions());
            };
        });
        String runId = given().contentType("application/json").header("Prefer", "respond-async")
                .body("{\"agent\":\"" + name + "\",\"message\":\"status of ACME-1001? " + token + "\"}")
                .post("/runs").then().statusCode(202).extract().path("run_id");
        await().atMost(Duration.ofSeconds(30)).until(() -> calls.get() == 2);

        // Another replica takes the run over; this one stops at its next heartbeat. Meanwhile v2 becomes active.
        query("UPDATE public.runs SET lease_owner = 'worker-elsewhere', lease_expires_at = now() + interval '10 minutes' "
                + "WHERE id = $1", Tuple.of(runId));
        await().atMost(Duration.ofSeconds(20)).until(() -> dispatcher.inFlight() == 0);
        assertTrue(versions.activate(Caller.LOCAL, name, v2));
        // That replica dies too: the run goes back to the queue and is resumed here from its journal.
        query("UPDATE public.runs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL WHERE id = $1",
                Tuple.of(runId));
        dispatcher.wake();
        JsonPath run = await().atMost(Duration.ofSeconds(30)).until(() -> JsonPath.from(given()
                        .get("/runs/" + runId).then().statusCode(200).extract().asString()),
                r -> !List.of("queued", "running").contains(r.getString("status")));

        assertEquals("succeeded", run.getString("status"), run.prettify());
        assertEquals(v1, run.getString("agent_version"));
        assertEquals("answered by: You are resumed v1.", run.getString("reply"));
        assertEquals(List.of("You are resumed v1.", "You are resumed v1.", "You are resumed v1."), instructions,
                "every call, before and after the resume, with the recorded version's prompt");
        // A new run now gets v2.
        String fresh = echoInstructions();
        assertEquals(v2, runSync("{\"agent\":\"" + name + "\",\"message\":\"again " + fresh + "\"}")
                .getString("agent_version"));
    }

    @Test
    void unknownVersionsAgentsWithoutAnActiveVersionAndUnknownAgentsAreRefused() {
        String name = fresh("inactive");
        String v1 = register(name, spec("You are inactive v1.", List.of(), List.of()));

        Response noActive = post("{\"agent\":\"" + name + "\",\"message\":\"hi\"}");
        assertEquals(409, noActive.statusCode(), noActive.asString());
        assertTrue(noActive.contentType().startsWith("application/problem+json"), noActive.contentType());
        assertTrue(noActive.jsonPath().getString("detail").contains("agent '" + name + "' has no active version"),
                noActive.asString());

        // Pinned, it runs without an active version (how a candidate is evaluated before promotion).
        String token = echoInstructions();
        assertEquals(v1, runSync("{\"agent\":\"" + name + "\",\"agent_version\":\"" + v1 + "\",\"message\":\"hi "
                + token + "\"}").getString("agent_version"));

        Response unknownVersion = post("{\"agent\":\"" + name + "\",\"agent_version\":\"sha256:" + "0".repeat(64)
                + "\",\"message\":\"hi\"}");
        assertEquals(422, unknownVersion.statusCode(), unknownVersion.asString());
        assertTrue(unknownVersion.jsonPath().getString("detail").startsWith("field 'agent_version'"),
                unknownVersion.asString());

        Response builtInOtherVersion = post("{\"agent\":\"maya\",\"agent_version\":\"sha256:" + "0".repeat(64)
                + "\",\"message\":\"hi\"}");
        assertEquals(422, builtInOtherVersion.statusCode(), builtInOtherVersion.asString());
        assertTrue(builtInOtherVersion.jsonPath().getString("detail").startsWith("field 'agent_version'"),
                builtInOtherVersion.asString());

        Response malformed = post("{\"agent\":\"" + name + "\",\"agent_version\":\"v1\",\"message\":\"hi\"}");
        assertEquals(400, malformed.statusCode(), malformed.asString());
        assertTrue(malformed.jsonPath().getString("detail").startsWith("field 'agent_version'"), malformed.asString());

        Response unknownAgent = post("{\"agent\":\"" + fresh("nobody") + "\",\"message\":\"hi\"}");
        assertEquals(400, unknownAgent.statusCode(), unknownAgent.asString());
        assertTrue(unknownAgent.jsonPath().getString("detail").contains("unknown agent"), unknownAgent.asString());
    }

    @Test
    void aBuiltInAgentsRunRecordsTheBuiltInsVersion() {
        String token = echoInstructions();
        String maya = registry.version("maya").orElseThrow();

        JsonPath run = runSync("{\"message\":\"hi " + token + "\"}");
        JsonPath pinned = runSync("{\"agent\":\"maya\",\"agent_version\":\"" + maya + "\",\"message\":\"hi " + token
                + "\"}");

        assertEquals(maya, run.getString("agent_version"));
        assertEquals(maya, pinned.getString("agent_version"));
        Row stored = query("SELECT agent_version, agent_versions FROM public.runs WHERE id = $1",
                Tuple.of(run.getString("run_id"))).iterator().next();
        assertEquals(maya, stored.getString("agent_version"));
        assertEquals(null, stored.getValue("agent_versions"), "a built-in's run uses no tenant agent");
    }

    private String echoInstructions() {
        String token = ConversationRouter.token();
        router.route(token, AgentVersionRunsTest::echo);
        return token;
    }

    private static Reply echo(RecordedRequest request) {
        return Reply.message(request.instructions() + " tools=" + request.toolNames());
    }

    private static String fresh(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Map<String, Object> spec(String instructions, List<String> tools,
                                            List<Map<String, Object>> evaluators) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("instructions", instructions);
        if (!tools.isEmpty()) {
            spec.put("tools", tools);
        }
        if (!evaluators.isEmpty()) {
            spec.put("evaluators", evaluators);
        }
        return spec;
    }

    /** Stores a version as {@code PUT /agents/{name}} does (not activated); returns its version. */
    private String register(String name, Map<String, Object> spec) {
        String version = AgentSpecValidation.versionOf(spec);
        try {
            versions.register(Caller.LOCAL, name, version, JSON.writeValueAsString(spec));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return version;
    }

    private static Map<String, Object> parse(String json) {
        try {
            return JSON.readValue(json, new com.fasterxml.jackson.core.type.TypeReference<>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Response post(String body) {
        return given().contentType("application/json").body(body).post("/runs");
    }

    private static JsonPath runSync(String body) {
        Response response = post(body);
        assertEquals(200, response.statusCode(), response.asString());
        JsonPath run = JsonPath.from(response.asString());
        assertEquals("succeeded", run.getString("status"), run.prettify());
        return run;
    }

    private RowSet<Row> query(String sql, Tuple args) {
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
