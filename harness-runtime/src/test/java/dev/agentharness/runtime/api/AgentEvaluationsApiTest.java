package dev.agentharness.runtime.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.runtime.runs.AgentEvaluations;
import dev.agentharness.runtime.state.AgentEvaluationStore;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WithApiKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.agentharness.runtime.testing.WithApiKeys.ALICE_KEY_1;
import static dev.agentharness.runtime.testing.WithApiKeys.OPERATOR_KEY;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /agents/{name}/evaluations} against the built-in agent {@code maya} on the FAKE model (its
 * {@code MayaDemoResponder}): every case a real run of the caller pinned to the version; passed, failed naming the
 * case, a baseline regression failing above the threshold, the same request answered by the same evaluation, a stale
 * running evaluation read as error and started again, and bad requests refused before anything runs.
 */
@QuarkusTest
@TestProfile(WithApiKeys.class)
class AgentEvaluationsApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Cases of the built-in agent's own golden set that the FAKE model passes: a lookup, a session, a handoff. */
    private static final List<String> PASSING = List.of("tools.lookup-priya-open-ticket",
            "session.follow-up-other-account", "handoff.refund-double-charge");

    @Inject
    AgentEvaluationStore store;

    @BeforeEach
    void mayaOnTheFakeModel() {
        FakeModelResource.server().responder(FakeModelServer.mayaDemo());
    }

    /** The built-in agent's version, as GET /agents/maya shows it (the digest of its spec). */
    private static String mayaVersion() {
        return given().auth().oauth2(ALICE_KEY_1).get("/agents/maya").then().statusCode(200).extract()
                .path("active_version");
    }

    /** The golden set's lines with these ids, plus a unique comment line so each test has its own dataset digest. */
    static String goldenLines(List<String> ids, String... extraLines) {
        Map<String, String> byId = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("../evals/maya.jsonl"), StandardCharsets.UTF_8)) {
                if (line.startsWith("{")) {
                    byId.put(JSON.readTree(line).get("id").asText(), line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> lines = new ArrayList<>();
        lines.add("# " + UUID.randomUUID());
        ids.forEach(id -> lines.add(byId.get(id)));
        lines.addAll(List.of(extraLines));
        return String.join("\n", lines) + "\n";
    }

    /** A case maya cannot pass: she never signs as someone else. */
    static final String IMPOSSIBLE = "{\"id\": \"impossible.signature\", \"input\": \"ACME-1001 cannot log in\", "
            + "\"expect\": {\"reply_contains\": \"Nobody Else, Tier-9 Support\"}}";

    static Map<String, Object> request(String version, String dataset, String baseline, Double threshold) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", version);
        body.put("dataset", dataset);
        if (baseline != null) {
            body.put("baseline", baseline);
        }
        if (threshold != null) {
            body.put("threshold", threshold);
        }
        return body;
    }

    static Response post(String key, String agent, Map<String, Object> body) {
        return given().auth().oauth2(key).contentType("application/json").body(body)
                .post("/agents/" + agent + "/evaluations");
    }

    /** Polls the evaluation until it has finished; answers it. */
    static JsonPath finished(String key, String agent, String id) {
        JsonPath[] last = new JsonPath[1];
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            last[0] = given().auth().oauth2(key).get("/agents/" + agent + "/evaluations/" + id)
                    .then().statusCode(200).extract().jsonPath();
            return !"running".equals(last[0].getString("status"));
        });
        return last[0];
    }

    @Test
    void aGoldenSetThatPassesPasses_andTheSameRequestAnswersTheSameEvaluation() {
        String version = mayaVersion();
        Map<String, Object> body = request(version, goldenLines(PASSING), null, null);
        Response started = post(ALICE_KEY_1, "maya", body);
        started.then().statusCode(202);
        String id = started.jsonPath().getString("id");
        assertEquals("/agents/maya/evaluations/" + id, java.net.URI.create(started.header("Location")).getPath());
        assertEquals("running", started.jsonPath().getString("status"));
        assertEquals(3, started.jsonPath().getInt("cases"));
        assertEquals(version, started.jsonPath().getString("version"));
        assertTrue(started.jsonPath().getString("dataset_digest").matches("sha256:[0-9a-f]{64}"));

        JsonPath result = finished(ALICE_KEY_1, "maya", id);
        assertEquals("passed", result.getString("status"), result.prettify());
        assertEquals(3, result.getInt("cases"));
        assertEquals(3, result.getInt("passed"));
        assertEquals(1.0, result.getDouble("pass_rate"));
        assertEquals(1.0, result.getDouble("threshold"));
        assertTrue(result.getList("failed_cases").isEmpty());
        assertTrue(result.getList("regressions").isEmpty());
        assertNotNull(result.getString("finished_at"));

        Response again = post(ALICE_KEY_1, "maya", body);
        again.then().statusCode(200);
        assertEquals(id, again.jsonPath().getString("id"), "the same version, dataset and threshold: the same one");
        assertEquals("passed", again.jsonPath().getString("status"));
        assertEquals("/agents/maya/evaluations/" + id, java.net.URI.create(again.header("Location")).getPath());

        given().auth().oauth2(WithApiKeys.BOB_KEY).get("/agents/maya/evaluations/" + id).then().statusCode(404)
                .contentType("application/problem+json");
        given().auth().oauth2(ALICE_KEY_1).get("/agents/billing/evaluations/" + id).then().statusCode(404);
    }

    @Test
    void aFailingCaseFailsTheEvaluationNamingIt_unlessThePassRateReachesTheThreshold() {
        String dataset = goldenLines(PASSING, IMPOSSIBLE);
        Response strict = post(ALICE_KEY_1, "maya", request(mayaVersion(), dataset, null, null));
        strict.then().statusCode(202);
        JsonPath failed = finished(ALICE_KEY_1, "maya", strict.jsonPath().getString("id"));
        assertEquals("failed", failed.getString("status"), failed.prettify());
        assertEquals(4, failed.getInt("cases"));
        assertEquals(3, failed.getInt("passed"));
        assertEquals(0.75, failed.getDouble("pass_rate"));
        List<Map<String, Object>> cases = failed.getList("failed_cases");
        assertEquals(1, cases.size(), cases.toString());
        assertEquals("impossible.signature", cases.getFirst().get("id"));
        assertEquals(false, cases.getFirst().get("regression"));
        assertTrue(((String) cases.getFirst().get("explanation")).contains("reply_contains"), cases.toString());
        String runId = (String) cases.getFirst().get("run_id");
        JsonPath run = given().auth().oauth2(ALICE_KEY_1).get("/runs/" + runId).then().statusCode(200)
                .extract().jsonPath();
        assertEquals("maya", run.getString("agent"));
        assertEquals("succeeded", run.getString("status"), "the case's run is the caller's own, a real run");

        Response lenient = post(ALICE_KEY_1, "maya", request(mayaVersion(), dataset, null, 0.75));
        lenient.then().statusCode(202);
        assertNotEquals(strict.jsonPath().getString("id"), lenient.jsonPath().getString("id"),
                "another threshold is another evaluation");
        JsonPath passed = finished(ALICE_KEY_1, "maya", lenient.jsonPath().getString("id"));
        assertEquals("passed", passed.getString("status"), passed.prettify());
        assertEquals(1, passed.getList("failed_cases").size(), "a passing evaluation still lists its failing cases");
    }

    @Test
    void aBaselineCaseThatFailsNowFailsTheEvaluationEvenAboveTheThreshold() {
        String dataset = goldenLines(PASSING, IMPOSSIBLE);
        String baseline = "{\"dataset\": \"maya.jsonl\", \"passing\": [\"tools.lookup-priya-open-ticket\", "
                + "\"impossible.signature\"]}";
        Response started = post(ALICE_KEY_1, "maya", request(mayaVersion(), dataset, baseline, 0.5));
        started.then().statusCode(202);
        JsonPath result = finished(ALICE_KEY_1, "maya", started.jsonPath().getString("id"));
        assertEquals("failed", result.getString("status"), result.prettify());
        assertEquals(0.75, result.getDouble("pass_rate"));
        assertEquals(List.of("impossible.signature"), result.getList("regressions"));
        List<Map<String, Object>> cases = result.getList("failed_cases");
        assertEquals("impossible.signature", cases.getFirst().get("id"));
        assertEquals(true, cases.getFirst().get("regression"));

        Response withoutBaseline = post(ALICE_KEY_1, "maya", request(mayaVersion(), dataset, null, 0.5));
        assertEquals(202, withoutBaseline.statusCode(), "the baseline is part of the dataset digest");
        assertNotEquals(started.jsonPath().getString("dataset_digest"),
                withoutBaseline.jsonPath().getString("dataset_digest"));
        finished(ALICE_KEY_1, "maya", withoutBaseline.jsonPath().getString("id"));
    }

    @Test
    void aRunningEvaluationWhoseReplicaStoppedReadsAsError_andAskingAgainStartsANewOne() {
        String version = mayaVersion();
        String dataset = goldenLines(List.of("tools.lookup-priya-open-ticket"));
        String digest = AgentEvaluations.digest(dataset.getBytes(StandardCharsets.UTF_8), null);
        // What a replica that died an hour ago left behind: a running row whose heartbeat stopped.
        Instant anHourAgo = Instant.now().minus(Duration.ofHours(1));
        String staleId = "eval_stale" + UUID.randomUUID().toString().replace("-", "");
        assertTrue(store.start(staleId, "alice", "maya", version, digest, 1.0, "{\"cases\": 1}", anHourAgo,
                anHourAgo.minus(Duration.ofMinutes(2)), "{}").created());

        JsonPath stale = given().auth().oauth2(ALICE_KEY_1).get("/agents/maya/evaluations/" + staleId)
                .then().statusCode(200).extract().jsonPath();
        assertEquals("error", stale.getString("status"));
        assertTrue(stale.getString("error").contains("heartbeat"), stale.getString("error"));

        Response again = post(ALICE_KEY_1, "maya", request(version, dataset, null, null));
        again.then().statusCode(202);
        assertEquals(digest, again.jsonPath().getString("dataset_digest"));
        assertNotEquals(staleId, again.jsonPath().getString("id"));
        assertEquals("passed", finished(ALICE_KEY_1, "maya", again.jsonPath().getString("id")).getString("status"));
        assertEquals("error", store.find("alice", "maya", staleId).orElseThrow().status(),
                "the stale row was closed as error when a new one started");
    }

    /** Registers a version of the caller's agent {@code name} offering {@code tools}; answers the version. */
    private static String register(String name, List<String> tools) {
        Map<String, Object> spec = Map.of("instructions", "You are first-line support for ACME Cloud.",
                "tools", tools, "inputGuardrails", List.of("no_card_numbers"));
        return given().auth().oauth2(ALICE_KEY_1).contentType("application/json").body(spec).put("/agents/" + name)
                .then().statusCode(201).extract().path("version");
    }

    @Test
    void aTenantAgentsVersionPassesOrFailsByWhatItCanDo_andTheRunsArePinnedToIt() {
        String name = "support-" + UUID.randomUUID().toString().substring(0, 8);
        String capable = register(name, List.of("lookup_account", "draft_reply"));
        // The FAKE model decides by the tools offered: without lookup_account no account is ever looked up.
        String broken = register(name, List.of("draft_reply"));
        String dataset = goldenLines(List.of("tools.lookup-priya-open-ticket", "tools.demo-card-declined"));

        Response good = post(ALICE_KEY_1, name, request(capable, dataset, null, null));
        good.then().statusCode(202);
        JsonPath passed = finished(ALICE_KEY_1, name, good.jsonPath().getString("id"));
        assertEquals("passed", passed.getString("status"), passed.prettify());
        assertEquals(capable, passed.getString("version"));
        assertEquals(name, passed.getString("agent"));

        Response bad = post(ALICE_KEY_1, name, request(broken, dataset, null, null));
        bad.then().statusCode(202);
        JsonPath failed = finished(ALICE_KEY_1, name, bad.jsonPath().getString("id"));
        assertEquals("failed", failed.getString("status"), failed.prettify());
        assertEquals(0, failed.getInt("passed"));
        assertEquals(List.of("tools.lookup-priya-open-ticket", "tools.demo-card-declined"),
                failed.getList("failed_cases.id"));
        String explanation = failed.getString("failed_cases[0].explanation");
        assertTrue(explanation.contains("lookup_account"), explanation);
        JsonPath run = given().auth().oauth2(ALICE_KEY_1).get("/runs/" + failed.getString("failed_cases[0].run_id"))
                .then().statusCode(200).extract().jsonPath();
        assertEquals(name, run.getString("agent"));
        assertEquals(broken, run.getString("agent_version"), "the case ran the version under evaluation");

        Object active = given().auth().oauth2(ALICE_KEY_1).get("/agents/" + name).then().statusCode(200)
                .extract().path("active_version");
        assertNull(active, "an evaluation never activates a version");
        given().auth().oauth2(WithApiKeys.BOB_KEY).contentType("application/json")
                .body(request(capable, dataset, null, null)).post("/agents/" + name + "/evaluations")
                .then().statusCode(404);
    }

    @Test
    void badRequestsAreRefusedBeforeAnythingRuns() {
        // A namespace of its own: a principal with no runs, so "nothing ran" is an empty run list.
        String namespace = "eval-bad-" + UUID.randomUUID().toString().substring(0, 8);
        String version = mayaVersion();
        String good = goldenLines(List.of("tools.lookup-priya-open-ticket"));

        String badLine = "{\"id\": \"bad\", \"input\": \"hi\", \"expect\": {\"tools_called\": 7}}";
        Response bad = refused(namespace, "maya", request(version, good + badLine + "\n", null, null), 422,
                "dataset:3:", "tools_called");
        assertEquals("dataset", bad.jsonPath().getString("field"));
        assertTrue(bad.jsonPath().getString("problems[0].message").startsWith("dataset:3: expect.tools_called"),
                bad.asString());
        refused(namespace, "maya", request(version, "{not json\n", null, null), 422, "dataset:1:");
        refused(namespace, "maya", request(version, null, null, null), 422, "dataset");
        refused(namespace, "maya", request(version, "# nothing\n", null, null), 422, "no cases");
        refused(namespace, "nobody", request(version, good, null, null), 404, "nobody");
        refused(namespace, "maya", request("sha256:" + "0".repeat(63) + "1", good, null, null), 404, "version");
        refused(namespace, "maya", request("v1", good, null, null), 422, "'version'");
        assertEquals("threshold", refused(namespace, "maya", request(version, good, null, 1.5), 422, "'threshold'")
                .jsonPath().getString("field"));
        refused(namespace, "maya", request(version, good, "{\"dataset\": \"x.jsonl\", \"passing\": [\"gone\"]}", null),
                422, "baseline", "passing[0]", "gone");
        String huge = good + "#" + "x".repeat(AgentEvaluations.MAX_DATASET_BYTES) + "\n";
        refused(namespace, "maya", request(version, huge, null, null), 422, "1 MiB");
        String many = IntStream.range(0, 201).mapToObj(i -> "{\"id\": \"c" + i + "\", \"input\": \"hi\", "
                + "\"expect\": {\"status\": \"succeeded\"}}").collect(Collectors.joining("\n"));
        refused(namespace, "maya", request(version, many, null, null), 422, "201 cases",
                "HARNESS_AGENT_EVALUATION_MAX_CASES");

        List<Object> runs = given().auth().oauth2(OPERATOR_KEY).header("Agent-Harness-Namespace", namespace)
                .get("/runs").then().statusCode(200).extract().jsonPath().getList("runs");
        assertTrue(runs.isEmpty(), "nothing ran: " + runs);
    }

    private static Response refused(String namespace, String agent, Map<String, Object> body, int status,
                                String... detailParts) {
        Response response = given().auth().oauth2(OPERATOR_KEY).header("Agent-Harness-Namespace", namespace)
                .contentType("application/json").body(body).post("/agents/" + agent + "/evaluations");
        assertEquals(status, response.statusCode(), response.asString());
        assertEquals("application/problem+json", response.contentType().split(";")[0].strip());
        String detail = response.jsonPath().getString("detail");
        for (String part : detailParts) {
            assertTrue(detail.contains(part), "'" + part + "' in: " + detail);
        }
        assertFalse(detail.length() > 4000, "a refusal stays readable");
        return response;
    }
}
