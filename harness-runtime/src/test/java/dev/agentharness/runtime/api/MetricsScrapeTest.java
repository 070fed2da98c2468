package dev.agentharness.runtime.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.PromQlNames;
import dev.agentharness.runtime.testing.PrometheusScrape;
import dev.agentharness.runtime.testing.WithLocalSandbox;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 12's "prove it" for the harness's metrics: a scripted set of runs against the FAKE model — one that succeeds,
 * one whose model call fails, one whose tool fails, one whose output guardrail trips, one in a local sandbox — then
 * {@code /metrics} is scraped and every series of the contract (docs/observability.md) moved by exactly what those
 * runs did. The second test checks the names the chart's alert rules and dashboards use against the same scrape.
 */
@QuarkusTest
@TestProfile(WithLocalSandbox.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsScrapeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "gpt-5.4-mini";
    /** What the scripted runs return, once per JVM: the catalog test reads the scrape they leave behind. */
    private static List<JsonNode> scripted;
    /** {@code agentharness_runs_in_flight} as scraped while the first scripted run waited for its model. */
    private static volatile double inFlightDuringRun = -1;

    FakeModelServer model;
    ConversationRouter router;

    @BeforeEach
    void routeConversations() {
        model = FakeModelResource.server();
        router = ConversationRouter.installOn(model);
    }

    @Test
    @Order(1)
    void scriptedRunsMoveEverySeriesByExactlyWhatTheyDid() {
        // Runs of other tests in this profile may still be ending: the baseline is taken once none is in flight.
        await().atMost(Duration.ofSeconds(30)).until(() -> scrape().value("agentharness_runs_in_flight") == 0);
        PrometheusScrape before = scrape();

        List<JsonNode> runs = scriptRuns();

        // A synchronous answer may come from the database just before the executor counted the run.
        await().atMost(Duration.ofSeconds(10)).until(() -> delta(before, scrape(), "agentharness_runs_finished_total")
                == runs.size());
        PrometheusScrape after = scrape();
        boolean sandboxed = runs.size() == 5;

        assertEquals(4, delta(before, after, "agentharness_runs_submitted_total", "agent", "maya"));
        assertEquals(2, delta(before, after, "agentharness_runs_finished_total", "agent", "maya", "status", "succeeded",
                "reason", "none"));
        assertEquals(1, delta(before, after, "agentharness_runs_finished_total", "agent", "maya", "status", "failed",
                "reason", "ModelUnavailable"));
        assertEquals(1, delta(before, after, "agentharness_runs_finished_total", "agent", "maya", "status", "failed",
                "reason", "OutputGuardrailTripwireTriggered"));
        assertEquals(2, delta(before, after, "agentharness_run_duration_seconds_count", "agent", "maya",
                "status", "succeeded"));
        assertEquals(2, delta(before, after, "agentharness_run_duration_seconds_count", "agent", "maya",
                "status", "failed"));
        assertEquals(4, delta(before, after, "agentharness_run_queue_wait_seconds_count", "agent", "maya"));

        // Model calls: 1 (succeeded) + 2 (tool error, then the answer) + 1 (guardrail) [+ 1 in the sandbox] answered.
        int answered = sandboxed ? 5 : 4;
        assertEquals(answered, delta(before, after, "agentharness_model_call_duration_seconds_count", "model", MODEL,
                "outcome", "ok"));
        assertEquals(1, delta(before, after, "agentharness_model_call_duration_seconds_count", "model", MODEL,
                "outcome", "error"));
        assertEquals(1, delta(before, after, "agentharness_model_errors_total", "model", MODEL, "error", "bad_request"));
        assertEquals(1, delta(before, after, "agentharness_model_errors_total"));
        long input = runs.stream().mapToLong(run -> run.path("usage").path("input_tokens").asLong()).sum();
        long output = runs.stream().mapToLong(run -> run.path("usage").path("output_tokens").asLong()).sum();
        double cost = runs.stream().mapToDouble(run -> run.path("usage").path("cost_usd").asDouble()).sum();
        assertTrue(input > 0 && output > 0, "the FAKE model reports usage");
        assertEquals(input, delta(before, after, "agentharness_model_tokens_total", "model", MODEL, "type", "input"));
        assertEquals(output, delta(before, after, "agentharness_model_tokens_total", "model", MODEL, "type", "output"));
        assertEquals(0, delta(before, after, "agentharness_model_tokens_total", "type", "cached_input"));
        assertEquals(0, delta(before, after, "agentharness_model_tokens_total", "type", "reasoning"));
        assertEquals(cost, delta(before, after, "agentharness_cost_usd_total", "model", MODEL), 1e-9);
        assertTrue(after.has("agentharness_cost_usd_total", "model", MODEL));

        assertEquals(1, delta(before, after, "agentharness_tool_errors_total", "tool", "lookup_account"));
        assertEquals(1, delta(before, after, "agentharness_tool_errors_total"));
        assertEquals(1, delta(before, after, "agentharness_tool_duration_seconds_count", "tool", "lookup_account",
                "outcome", "error"));
        assertEquals(0, delta(before, after, "agentharness_tool_duration_seconds_count", "tool", "lookup_account",
                "outcome", "ok"));
        assertEquals(1, delta(before, after, "agentharness_guardrail_trips_total", "guardrail", "no_secrets",
                "stage", "output"));
        assertEquals(1, delta(before, after, "agentharness_guardrail_trips_total"));

        // OTel GenAI client metrics, attribute names as the spec spells them (dots → underscores).
        String[] genAi = {"gen_ai_operation_name", "chat", "gen_ai_provider_name", "openai",
                "gen_ai_request_model", MODEL};
        assertEquals(answered, delta(before, after, "gen_ai_client_operation_duration_seconds_count",
                concat(genAi, "error_type", "")));
        assertEquals(1, delta(before, after, "gen_ai_client_operation_duration_seconds_count",
                concat(genAi, "error_type", "bad_request")));
        assertEquals(answered, delta(before, after, "gen_ai_client_token_usage_count",
                concat(genAi, "gen_ai_token_type", "input")));
        assertEquals(input, delta(before, after, "gen_ai_client_token_usage_sum",
                concat(genAi, "gen_ai_token_type", "input")));
        assertEquals(output, delta(before, after, "gen_ai_client_token_usage_sum",
                concat(genAi, "gen_ai_token_type", "output")));
        assertEquals(List.of(1d, 4d, 16d, 64d, 256d, 1024d, 4096d, 16384d, 65536d, 262144d, 1048576d, 4194304d,
                16777216d, 67108864d, Double.POSITIVE_INFINITY), buckets(after, "gen_ai_client_token_usage_bucket"),
                "the OTel GenAI spec's bucket boundaries");
        assertEquals(List.of(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
                Double.POSITIVE_INFINITY), buckets(after, "gen_ai_client_operation_duration_seconds_bucket"),
                "the OTel GenAI spec's bucket boundaries");

        if (sandboxed) {
            assertEquals(1, delta(before, after, "agentharness_runs_submitted_total", "agent", "analyst"));
            assertEquals(1, delta(before, after, "agentharness_runs_finished_total", "agent", "analyst",
                    "status", "succeeded", "reason", "none"));
            assertEquals(1, delta(before, after, "agentharness_sandbox_provision_duration_seconds_count",
                    "provider", "local", "outcome", "ok"));
            assertEquals(0, delta(before, after, "agentharness_sandbox_failures_total", "provider", "local"));
            assertTrue(after.has("agentharness_sandbox_failures_total", "provider", "local", "operation", "exec"));
        }

        assertEquals(1, inFlightDuringRun, "the run executing while its model answered");
        assertEquals(0, after.value("agentharness_runs_in_flight"));
        assertEquals(0, delta(before, after, "agentharness_leases_expired_total"));
        assertEquals(0, delta(before, after, "agentharness_runs_recovered_total"));
        // Probes: the lease heartbeat (database) and the refresh job (object store, queued count).
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            PrometheusScrape now = scrape();
            assertEquals(1, now.value("agentharness_database_up"));
            assertEquals(1, now.value("agentharness_object_store_up"));
            assertEquals(0, now.value("agentharness_runs_queued"));
        });
    }

    /**
     * Every metric name the chart's dashboards and alert rules use ({@code agentharness_*} but the operator's, and
     * {@code gen_ai_*}) is in the scrape. The chart's files are found by glob: none found is a failure, not a pass.
     */
    @Test
    @Order(2)
    void everyNameTheChartsRulesAndDashboardsUseIsScraped() throws IOException {
        if (scripted == null) {
            scriptRuns();
        }
        Path chart = chartDirectory();
        List<Path> dashboards = list(chart.resolve("dashboards"), ".json");
        List<Path> rules = new ArrayList<>(list(chart.resolve("rules"), ".yaml"));
        Path ruleTemplate = chart.resolve("templates/prometheusrule.yaml");
        if (Files.isRegularFile(ruleTemplate)) {
            rules.add(ruleTemplate);
        }
        if (dashboards.isEmpty() && rules.isEmpty()) {
            fail("no dashboards (" + chart.resolve("dashboards/*.json") + ") and no rules ("
                    + chart.resolve("rules/*.yaml") + ", " + ruleTemplate + ") found to check");
        }
        Map<String, Set<String>> used = new TreeMap<>(); // base name → files using it
        for (Path file : dashboards) {
            PromQlNames.dashboardExpressions(Files.readString(file)).forEach(expr -> note(used, expr, file));
        }
        for (Path file : rules) {
            PromQlNames.ruleExpressions(Files.readString(file)).forEach(expr -> note(used, expr, file));
        }
        assertFalse(used.isEmpty(), "the chart's files name no harness metric: " + dashboards + rules);

        Set<String> scraped = new TreeSet<>();
        scrape().names().forEach(name -> scraped.add(baseName(name)));
        Map<String, Set<String>> missing = new TreeMap<>(used);
        missing.keySet().removeAll(scraped);
        assertTrue(missing.isEmpty(), "used by the chart but not scraped from /metrics: " + missing);
    }

    private static void note(Map<String, Set<String>> used, String expr, Path file) {
        for (String name : PromQlNames.metricNames(expr)) {
            if ((name.startsWith("agentharness_") && !name.startsWith("agentharness_operator_"))
                    || name.startsWith("gen_ai_")) {
                used.computeIfAbsent(baseName(name), n -> new TreeSet<>()).add(file.getFileName().toString());
            }
        }
    }

    private static String baseName(String name) {
        return name.replaceFirst("_(bucket|sum|count)$", "");
    }

    private static Path chartDirectory() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("helm/agent-harness"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            fail("helm/agent-harness not found above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve("helm/agent-harness");
    }

    private static List<Path> list(Path dir, String suffix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    /** The scripted runs (each answered synchronously); the sandbox run only where bubblewrap is installed. */
    private List<JsonNode> scriptRuns() {
        List<JsonNode> runs = new ArrayList<>();
        String ok = ConversationRouter.token();
        router.route(ok, request -> {
            inFlightDuringRun = scrape().value("agentharness_runs_in_flight"); // the run is executing right now
            return Reply.message("Your invoices are on their way.");
        });
        runs.add(run("maya", "Where are my invoices? " + ok, null, "succeeded"));

        String broken = ConversationRouter.token();
        router.route(broken, request -> Reply.error(400, "Invalid value for 'input'"));
        runs.add(run("maya", "Hello " + broken, null, "failed"));

        String toolError = ConversationRouter.token();
        router.route(toolError, request -> request.functionCallOutputs().isEmpty()
                ? Reply.functionCall("lookup_account", "{\"account_id\":\"ACME-0000\"}")
                : Reply.message("I could not find that account."));
        runs.add(run("maya", "Account ACME-0000 " + toolError, null, "succeeded"));

        String leak = ConversationRouter.token();
        router.route(leak, request -> Reply.message("Use the key sk-abcdefghijklmnopqrstuvwxyz123456 to log in."));
        runs.add(run("maya", "How do I log in? " + leak, null, "failed"));

        if (Files.isExecutable(Path.of("/usr/bin/bwrap"))) {
            String sandbox = ConversationRouter.token();
            router.route(sandbox, request -> Reply.message("Nothing to do."));
            ObjectNode manifest = JSON.createObjectNode();
            manifest.putObject("entries").putObject("outputs").put("type", "dir");
            runs.add(run("analyst", "Look around " + sandbox, manifest, "succeeded"));
        }
        scripted = runs;
        return runs;
    }

    private static JsonNode run(String agent, String message, ObjectNode manifest, String status) {
        ObjectNode body = JSON.createObjectNode().put("agent", agent).put("message", message);
        if (manifest != null) {
            body.set("manifest", manifest);
        }
        Response response = given().contentType("application/json").body(body.toString()).post("/runs");
        response.then().statusCode(200).body("status", equalTo(status));
        return response.as(JsonNode.class);
    }

    private static PrometheusScrape scrape() {
        return PrometheusScrape.parse(given().get("/metrics").then().statusCode(200).extract().asString());
    }

    private static double delta(PrometheusScrape before, PrometheusScrape after, String name, String... labels) {
        return after.value(name, labels) - before.value(name, labels);
    }

    /** The distinct {@code le} boundaries of a histogram, in order. */
    private static List<Double> buckets(PrometheusScrape scrape, String bucketName) {
        return scrape.samples().stream().filter(s -> s.name().equals(bucketName))
                .map(s -> Double.parseDouble(s.labels().get("le").replace("+Inf", "Infinity")))
                .distinct().sorted().toList();
    }

    private static String[] concat(String[] labels, String... more) {
        String[] all = new String[labels.length + more.length];
        System.arraycopy(labels, 0, all, 0, labels.length);
        System.arraycopy(more, 0, all, labels.length, more.length);
        return all;
    }
}
