package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.api.RunStatus;
import dev.agentharness.runtime.state.Database;
import dev.agentharness.runtime.state.JournalStep;
import dev.agentharness.runtime.state.NewRun;
import dev.agentharness.runtime.state.RunCompletion;
import dev.agentharness.runtime.state.RunCompletions;
import dev.agentharness.runtime.state.RunReads;
import dev.agentharness.runtime.state.RunRecord;
import dev.agentharness.runtime.state.RunSamples;
import dev.agentharness.runtime.state.RunSubmissions;
import dev.agentharness.runtime.storage.ObjectKeys;
import dev.agentharness.runtime.storage.Storage;
import dev.agentharness.runtime.testing.WebhookReceiverResource;
import dev.agentharness.runtime.testing.WithNightlyJob;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code eval nightly} end to end in the job role, on embedded PostgreSQL (and again through PgBouncer), s3proxy and a
 * webhook receiver: finished runs are written through the real stores as a worker on another replica would (submit,
 * claim, complete with their journal), one more run stays queued; the night samples the window, grades, stores scores
 * (source nightly), writes the report objects, hands out a link that works, posts the summary with the regression
 * against yesterday — and the queued run is never claimed.
 */
@QuarkusTest
@TestProfile(WithNightlyJob.class)
class NightlyJobTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SQL = Duration.ofSeconds(10);
    /** No built-in or file agent has this name: its runs are graded with the nightly's defaults. */
    private static final String AGENT = "nightly-probe";

    @Inject
    NightlyJob job;
    @Inject
    Database database;
    @Inject
    RunSubmissions submissions;
    @Inject
    RunReads reads;
    @Inject
    RunCompletions completions;
    @Inject
    RunSamples samples;
    @Inject
    Storage storage;
    @Inject
    MetricsRefresh metricsRefresh;
    @Inject
    io.micrometer.core.instrument.MeterRegistry meters;

    @Test
    void aNightGradesTheWindowsFinishedRunsStoresScoresWritesTheReportPostsTheSummaryAndClaimsNothing()
            throws Exception {
        assertTrue(database.awaitReady(Duration.ofMinutes(1)));
        String principal = "nightly-" + UUID.randomUUID();
        // Another night's run may be in the window too (the test runs twice on one database): only ours are checked.
        String good = finished(principal, RunStatus.SUCCEEDED, null, "Your balance is 42 EUR.",
                tool("lookup_account", "{\"account_id\":\"A-1\"}", "{\"balance\":42}", true));
        String failed = finished(principal, RunStatus.FAILED, "MaxTurnsExceeded", null);
        String refused = finished(principal, RunStatus.SUCCEEDED, null, "Done.",
                tool("lookup_account", "{\"acct\":1}", "arguments refused: account_id is required", false));
        String timedOut = finished(principal, RunStatus.TIMED_OUT, "Timeout", null);
        String old = finished(principal, RunStatus.SUCCEEDED, null, "Old news.");
        String maya = finished(principal, "maya", RunStatus.SUCCEEDED, null, "Your card 4111 1111 1111 1111 is blocked.");
        execute("UPDATE public.runs SET completed_at = now() - interval '3 days' WHERE id = $1", Tuple.of(old));
        String queued = "run-" + UUID.randomUUID();
        submissions.submit(newRun(queued, principal));
        RunRecord queuedBefore = run(queued);

        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        // Yesterday every default evaluator of this agent passed: today's drops are regressions.
        storage.store().put(ObjectKeys.report("nightly/" + today.minusDays(1) + "/results.json"), ("{\"stats\": ["
                + "{\"agent\": \"" + AGENT + "\", \"evaluator\": \"completed\", \"pass_rate\": 1.0},"
                + "{\"agent\": \"" + AGENT + "\", \"evaluator\": \"tool_arguments\", \"pass_rate\": 1.0}]}")
                .getBytes(StandardCharsets.UTF_8), "application/json");

        NightlyEvaluation.Outcome outcome = job.run();

        NightlyReport report = outcome.report();
        Map<String, NightlyReport.GradedRun> ours = new HashMap<>();
        report.runs().stream().filter(r -> Set.of(good, failed, refused, timedOut, old, queued, maya).contains(r.runId()))
                .forEach(r -> ours.put(r.runId(), r));
        assertEquals(Set.of(good, failed, refused, timedOut, maya), ours.keySet(),
                "finished in the window: not the old one, not the queued one");
        assertTrue(ours.get(good).passed());
        assertFalse(ours.get(failed).passed());
        assertFalse(ours.get(refused).passed());
        assertEquals(today, report.date());

        // Scores: one row per default evaluator, source nightly, with the grader's kind.
        Map<String, Boolean> goodScores = scores(good);
        assertEquals(Map.of("completed", true, "tool_arguments", true, "replied", true), goodScores);
        assertEquals(Map.of("completed", false, "tool_arguments", true, "replied", false), scores(failed));
        assertEquals(Map.of("completed", true, "tool_arguments", false, "replied", true), scores(refused));
        assertEquals(0, count("SELECT count(*) FROM public.eval_scores WHERE run_id = $1", old));
        // An agent that declares evaluators is graded with them (Maya's built-ins), not with the defaults.
        assertEquals(Map.of("reply_length", true, "no_card_number", false, "turns", true), scoresByName(maya));

        // The serving harness exports the latest night beside the inline scores (source label).
        metricsRefresh.refreshEvalScores();
        io.micrometer.core.instrument.Gauge passRate = meters.find("agentharness.eval.pass_rate")
                .tags("source", "nightly", "agent", AGENT, "evaluator", "replied").gauge();
        assertTrue(passRate != null, "a nightly pass-rate gauge for " + AGENT + "/replied");
        assertTrue(passRate.value() > 0 && passRate.value() < 1, "some replied, some did not: " + passRate.value());

        // The report objects, and a link that works for anyone holding it (s3proxy checks the signature).
        String prefix = "reports/nightly/" + today + "/";
        for (String name : List.of("report.html", "report.md", "results.json")) {
            assertTrue(storage.store().head(prefix + name).isPresent(), name);
        }
        assertEquals(prefix + "report.html", outcome.reportKey());
        HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(outcome.link()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("Nightly evaluation " + today), page.body());
        assertTrue(page.body().contains(failed + "/trace"), "the worst runs link their traces");
        assertThrows(ObjectKeys.InvalidNameException.class,
                () -> storage.store().presignPut(prefix + "report.html", Duration.ofMinutes(5)),
                "no link may replace a report");
        JsonNode results = JSON.readTree(storage.store().get(prefix + "results.json").orElseThrow().stream());
        assertEquals("nightly", results.path("kind").asText());
        assertTrue(results.path("regressions").toString().contains(AGENT + "/completed"), results.toString());

        // The summary, Slack-shaped, with the link and the regression.
        assertEquals(java.util.Optional.of(true), outcome.webhookDelivered());
        List<JsonNode> posted = WebhookReceiverResource.receiver().accepted();
        JsonNode summary = posted.get(posted.size() - 1);
        assertTrue(summary.path("text").asText().startsWith("Nightly evaluation " + today), summary.toString());
        assertTrue(summary.path("text").asText().contains(outcome.link().toString()));
        assertTrue(summary.path("blocks").toString().contains("Regressions"), summary.toString());
        assertEquals("section", summary.path("blocks").get(0).path("type").asText());

        // Nothing of the queue moved: the queued run is still queued, never claimed, never leased.
        RunRecord queuedAfter = run(queued);
        assertEquals(RunStatus.QUEUED, queuedAfter.status());
        assertEquals(queuedBefore.attempts(), queuedAfter.attempts());
        assertNull(queuedAfter.leaseOwner());
        assertEquals(RunStatus.FAILED, run(failed).status());
    }

    @Test
    void theSameSeedSamplesTheSameRunsAndAnotherSeedOthers() {
        assertTrue(database.awaitReady(Duration.ofMinutes(1)));
        String principal = "nightly-" + UUID.randomUUID();
        for (int i = 0; i < 12; i++) {
            finished(principal, RunStatus.SUCCEEDED, null, "ok " + i);
        }
        Instant to = Instant.now().plusSeconds(1);
        Instant from = to.minus(Duration.ofHours(1));
        List<String> first = ids(samples.sample(from, to, 5, false, 42));
        assertEquals(first, ids(samples.sample(from, to, 5, false, 42)));
        Set<List<String>> others = new HashSet<>();
        for (long seed = 1; seed <= 5; seed++) {
            others.add(ids(samples.sample(from, to, 5, false, seed)));
        }
        assertNotEquals(Set.of(first), others, "other seeds draw other samples");
        assertEquals(5, first.size());
        List<RunSamples.SampledRun> perAgent = samples.sample(from, to, 2, true, 42);
        Map<String, Integer> perAgentCounts = new HashMap<>();
        perAgent.forEach(r -> perAgentCounts.merge(r.agent(), 1, Integer::sum));
        perAgentCounts.values().forEach(n -> assertTrue(n <= 2, perAgentCounts.toString()));
        assertThrows(IllegalArgumentException.class, () -> samples.sample(to, from, 5, false, 1));
    }

    private static List<String> ids(List<RunSamples.SampledRun> sample) {
        return sample.stream().map(RunSamples.SampledRun::runId).toList();
    }

    private record Tool(String name, String arguments, String output, boolean ran) {
    }

    private static Tool tool(String name, String arguments, String output, boolean ran) {
        return new Tool(name, arguments, output, ran);
    }

    /** A run written as a worker elsewhere writes it: submitted, claimed by a fresh worker, completed with its journal. */
    private String finished(String principal, RunStatus status, String reason, String reply, Tool... tools) {
        return finished(principal, AGENT, status, reason, reply, tools);
    }

    private String finished(String principal, String agent, RunStatus status, String reason, String reply,
                            Tool... tools) {
        String runId = "run-" + UUID.randomUUID();
        submissions.submit(newRun(runId, principal, agent));
        String worker = "elsewhere-" + UUID.randomUUID();
        // Claimed exactly as RunQueue claims (status, lease, epoch), but this run only: leftovers of the other test pass
        // on the same database must stay queued.
        execute("UPDATE public.runs SET status = 'running', lease_owner = $2, lease_expires_at = now() + interval "
                + "'5 minutes', attempts = attempts + 1, lease_epoch = lease_epoch + 1, started_at = now() WHERE id = $1", Tuple.of(runId, worker));
        List<JournalStep> steps = new ArrayList<>();
        int seq = 1;
        steps.add(JournalStep.of(seq++, "agent_started", "{\"agent\":\"" + AGENT + "\",\"tools\":[],\"handoffs\":[]}"));
        for (Tool t : tools) {
            String callId = "call-" + seq;
            steps.add(JournalStep.of(seq++, "tool_started", JSON.createObjectNode().put("agent", AGENT)
                    .put("tool", t.name()).put("call_id", callId).put("arguments", t.arguments()).toString()));
            steps.add(JournalStep.of(seq++, "tool_output", JSON.createObjectNode().put("agent", AGENT)
                    .put("tool", t.name()).put("call_id", callId).put("output", t.output()).put("body_ran", t.ran())
                    .toString()));
        }
        assertTrue(completions.complete(new RunCompletion(runId, worker, status, reason, reply, 10, 5, 0.001, false,
                "[]", List.of(), List.of(), null, steps, null)), "completed under its lease");
        return runId;
    }

    private static NewRun newRun(String runId, String principal) {
        return newRun(runId, principal, AGENT);
    }

    private static NewRun newRun(String runId, String principal, String agent) {
        return new NewRun(runId, "s-" + runId, principal, agent, "gpt-5.4-mini", "What is my balance?",
                "{\"message\":\"What is my balance?\"}", "hash-" + runId, null, 10, null, false, "trace-" + runId);
    }

    private RunRecord run(String runId) {
        return reads.findAny(runId).orElseThrow();
    }

    private Map<String, Boolean> scores(String runId) {
        Map<String, Boolean> scores = new HashMap<>();
        for (Row row : execute("SELECT evaluator, kind, passed FROM public.eval_scores WHERE run_id = $1 "
                + "AND source = 'nightly'", Tuple.of(runId))) {
            assertEquals(row.getString("evaluator"), row.getString("kind"), "defaults are stored under their kind");
            scores.put(row.getString("evaluator"), row.getBoolean("passed"));
        }
        return scores;
    }

    private Map<String, Boolean> scoresByName(String runId) {
        Map<String, Boolean> scores = new HashMap<>();
        execute("SELECT evaluator, passed FROM public.eval_scores WHERE run_id = $1 AND source = 'nightly'",
                Tuple.of(runId)).forEach(row -> scores.put(row.getString("evaluator"), row.getBoolean("passed")));
        return scores;
    }

    private long count(String sql, String runId) {
        return execute(sql, Tuple.of(runId)).iterator().next().getLong(0);
    }

    private io.vertx.sqlclient.RowSet<Row> execute(String sql, Tuple args) {
        try {
            return database.pool().preparedQuery(sql).execute(args).toCompletionStage().toCompletableFuture()
                    .get(SQL.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(sql, e);
        }
    }
}
