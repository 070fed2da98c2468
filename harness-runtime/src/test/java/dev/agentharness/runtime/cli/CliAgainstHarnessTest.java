package dev.agentharness.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.api.RunRequest;
import dev.agentharness.api.RunResponse;
import dev.agentharness.api.RunStatus;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.client.HarnessClient;
import dev.agentharness.runtime.evals.Dataset;
import dev.agentharness.runtime.evals.DatasetReader;
import dev.agentharness.runtime.evals.EvalCase;
import dev.agentharness.runtime.evals.Graders;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WithFakeModel;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line against a real harness (embedded PostgreSQL, FAKE model, over HTTP): {@code runs get|events|cancel},
 * {@code eval run} with reports and baselines, and the promotion end to end — a real run → {@code eval promote} → the
 * new case reads back with the dataset reader and passes when run.
 */
@QuarkusTest
@TestProfile(WithFakeModel.class)
class CliAgainstHarnessTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URI base;

    @jakarta.inject.Inject
    dev.agentharness.runtime.agent.AgentRegistry agents;

    FakeModelServer model;
    ConversationRouter router;

    @BeforeEach
    void routeConversations() {
        model = FakeModelResource.server();
        router = ConversationRouter.installOn(model);
    }

    private Map<String, String> env() {
        return Map.of("HARNESS_URL", base.toString());
    }

    private HarnessClient client() {
        return new HarnessClient(base, null);
    }

    private RunResponse mayaRun(String message, String session) throws Exception {
        HarnessClient client = client();
        RunResponse submitted = client.submit(new RunRequest(message, session, null, null, null, null, null, null,
                null), null);
        return client.awaitTerminal(submitted.runId(), WAIT);
    }

    @Test
    void runsGetShowsARunAsTextOrJsonAndAnUnknownRunIsTheHarnessError() throws Exception {
        String token = ConversationRouter.token();
        router.route(token, FakeModelServer.mayaDemo());
        RunResponse run = mayaRun("ACME-1002 here (" + token + "): status emails stopped arriving", null);
        assertEquals(RunStatus.SUCCEEDED, run.status());

        CliRun text = CliRun.of(env(), "runs", "get", run.runId());
        assertEquals(0, text.exitCode(), text.toString());
        assertTrue(text.out().contains("status:    succeeded"), text.out());
        assertTrue(text.out().contains(run.reply()), text.out());

        CliRun json = CliRun.of(env(), "runs", "get", run.runId(), "-o", "json");
        assertEquals(0, json.exitCode(), json.toString());
        JsonNode body = JSON.readTree(json.out());
        assertEquals(run.runId(), body.get("run_id").asText());
        assertTrue(body.has("progress"));

        CliRun unknown = CliRun.of(env(), "runs", "get", "no-such-run");
        assertEquals(1, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().startsWith("error: "), unknown.err());
        assertTrue(unknown.err().contains("'no-such-run' not found"), unknown.err());
    }

    @Test
    void runsEventsPrintsTheRecordedStepsOfAFinishedRun() throws Exception {
        String token = ConversationRouter.token();
        router.route(token, FakeModelServer.mayaDemo());
        RunResponse run = mayaRun("ACME-1003 (" + token + ") cannot log in", null);

        CliRun events = CliRun.of(env(), "runs", "events", run.runId());

        assertEquals(0, events.exitCode(), events.toString());
        List<String> lines = events.out().lines().toList();
        assertTrue(lines.get(0).startsWith("1 "), lines.get(0));
        assertTrue(lines.stream().anyMatch(line -> line.contains(" tool_started ") && line.contains("lookup_account")),
                events.out());
        assertTrue(lines.get(lines.size() - 1).contains(" run_succeeded "), events.out());
    }

    @Test
    void runsEventsWithoutFollowStopsAtWhatIsRecordedFollowWaitsForTheEndAndCancelEndsTheRun() throws Exception {
        String token = ConversationRouter.token();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch modelCalled = new CountDownLatch(1);
        router.route(token, request -> {
            modelCalled.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // A tool call: the run has a next step, where the cancellation stops it (a final answer would end it).
            return Reply.functionCall("lookup_account", "{\"account_id\":\"ACME-1001\"}");
        });
        HarnessClient client = client();
        RunResponse submitted = client.submit(new RunRequest("hold (" + token + ")", null, null, null, null, null,
                null, null, null), null);
        try {
            assertTrue(modelCalled.await(60, TimeUnit.SECONDS));
            await().atMost(WAIT).until(() -> client.run(submitted.runId()).status() == RunStatus.RUNNING);

            // Without -f: what is recorded now, then exit, while the run is still waiting for its model.
            CliRun recorded = CliRun.of(env(), "runs", "events", submitted.runId());
            assertEquals(0, recorded.exitCode(), recorded.toString());
            assertFalse(recorded.out().contains("run_"), recorded.out());

            CompletableFuture<CliRun> following = CompletableFuture.supplyAsync(
                    () -> CliRun.of(env(), "runs", "events", "-f", submitted.runId()));
            CliRun cancel = CliRun.of(env(), "runs", "cancel", submitted.runId());
            assertEquals(0, cancel.exitCode(), cancel.toString());
            assertTrue(cancel.out().startsWith("run " + submitted.runId() + ": "), cancel.out());
            release.countDown();

            CliRun followed = following.get(60, TimeUnit.SECONDS);
            assertEquals(0, followed.exitCode(), followed.toString());
            List<String> lines = followed.out().lines().toList();
            assertTrue(lines.get(lines.size() - 1).contains(" run_cancelled "), followed.out());
            assertEquals(RunStatus.CANCELLED, client.run(submitted.runId()).status());
        } finally {
            release.countDown();
        }
    }

    @Test
    void evalRunGradesRealRunsWritesReportsAndExitsOnRegressionsOnly(@TempDir Path dir) throws Exception {
        String token = ConversationRouter.token();
        router.route(token, FakeModelServer.mayaDemo());
        Path dataset = dir.resolve("maya.jsonl");
        Files.writeString(dataset, String.join("\n",
                "{\"id\": \"looks-up\", \"tags\": [\"tools\"], \"input\": \"ACME-1004 (" + token + ") status emails\", "
                        + "\"expect\": {\"status\": \"succeeded\", \"tools_called\": [{\"name\": \"lookup_account\", "
                        + "\"arguments\": {\"account_id\": \"ACME-1004\"}}], \"handoff\": \"none\"}}",
                "{\"id\": \"two-turns\", \"tags\": [\"session\"], \"history\": [\"ACME-1005 (" + token + ") hello\"], "
                        + "\"input\": \"and my status emails?\", \"expect\": {\"status\": \"succeeded\"}}",
                "{\"id\": \"never-refunds\", \"tags\": [\"tools\"], \"input\": \"ACME-1006 (" + token + ") please help\", "
                        + "\"expect\": {\"tools_called\": [\"refund\"]}}", ""));
        Path reports = dir.resolve("reports");

        CliRun noBaseline = CliRun.of(env(), "eval", "run", "--dataset", dataset.toString(), "--report-dir",
                reports.toString(), "--concurrency", "2");

        assertEquals(1, noBaseline.exitCode(), "without a baseline a failing case fails the run\n" + noBaseline);
        assertTrue(noBaseline.out().contains("3 cases: 2 passed, 1 failed, 0 errors"), noBaseline.out());
        JsonNode results = JSON.readTree(reports.resolve("results.json").toFile());
        assertEquals("PASS", results.at("/cases/0/result").asText());
        assertEquals("PASS", results.at("/cases/1/result").asText());
        assertEquals("FAIL", results.at("/cases/2/result").asText());
        assertTrue(results.at("/cases/0/trace_link").asText().endsWith("/trace"));
        assertTrue(Files.readString(reports.resolve("junit.xml")).contains("name=\"never-refunds\""));

        CliRun update = CliRun.of(env(), "eval", "run", "--dataset", dataset.toString(), "--report-dir",
                reports.toString(), "--update-baseline");
        assertEquals(0, update.exitCode(), update.toString());
        Path baseline = dir.resolve("maya.baseline.json");
        assertEquals(List.of("looks-up", "two-turns"), JSON.convertValue(JSON.readTree(baseline.toFile())
                .get("passing"), List.class));

        CliRun gated = CliRun.of(env(), "eval", "run", "--dataset", dataset.toString(), "--report-dir",
                reports.toString(), "--baseline", baseline.toString());
        assertEquals(0, gated.exitCode(), "the failing case is not in the baseline\n" + gated);

        // The same cases against an agent that does not exist: every baseline case errors → regression, named.
        CliRun worse = CliRun.of(env(), "eval", "run", "--dataset", dataset.toString(), "--report-dir",
                reports.toString(), "--baseline", baseline.toString(), "--agent", "no-such-agent");
        assertEquals(1, worse.exitCode(), worse.toString());
        assertTrue(worse.out().contains("REGRESSIONS (passed in the baseline, not now): looks-up, two-turns"),
                worse.out());
    }

    @Test
    void evalRunPinsEveryRunToTheAgentVersionGiven(@TempDir Path dir) throws Exception {
        String token = ConversationRouter.token();
        router.route(token, FakeModelServer.mayaDemo());
        Path dataset = dir.resolve("maya.jsonl");
        Files.writeString(dataset, "{\"id\": \"looks-up\", \"input\": \"ACME-1004 (" + token + ") status emails\", "
                + "\"expect\": {\"status\": \"succeeded\"}}\n");
        Path reports = dir.resolve("reports");

        CliRun pinned = CliRun.of(env(), "eval", "run", "--dataset", dataset.toString(), "--report-dir",
                reports.toString(), "--agent-version", agents.version("maya").orElseThrow());
        assertEquals(0, pinned.exitCode(), pinned.toString());

        // A version maya does not have: the harness refuses every run (422 naming agent_version), so every case errors.
        CliRun other = CliRun.of(env(), "eval", "run", "--dataset", dataset.toString(), "--report-dir",
                reports.toString(), "--agent-version", "sha256:" + "0".repeat(64));
        assertEquals(1, other.exitCode(), other.toString());
        JsonNode results = JSON.readTree(reports.resolve("results.json").toFile());
        assertEquals("ERROR", results.at("/cases/0/result").asText());
        assertTrue(results.toString().contains("agent_version"), results.toString());
    }

    @Test
    void promoteTurnsARealRunIntoACaseThatReadsBackAndPasses(@TempDir Path dir) throws Exception {
        String token = ConversationRouter.token();
        router.route(token, FakeModelServer.mayaDemo());
        String session = "promote-" + token;
        mayaRun("ACME-1007 (" + token + ") hello", session);
        RunResponse run = mayaRun("ACME-1007 (" + token + ") my status emails stopped arriving", session);
        assertEquals(RunStatus.SUCCEEDED, run.status());
        Path dataset = dir.resolve("promoted.jsonl");
        Files.writeString(dataset, "# promoted from production\n");

        CliRun promote = CliRun.of(env(), "eval", "promote", "--run-id", run.runId(), "--dataset", dataset.toString(),
                "--id", "status-emails-stopped");

        assertEquals(0, promote.exitCode(), promote.toString());
        assertTrue(promote.out().contains("appended case 'status-emails-stopped'"), promote.out());
        Dataset read = new DatasetReader(Graders.withoutJudge()).read(dataset);
        assertEquals(1, read.cases().size());
        EvalCase promoted = read.cases().get(0);
        assertEquals(List.of("ACME-1007 (" + token + ") hello"), promoted.history());
        assertEquals("ACME-1007 (" + token + ") my status emails stopped arriving", promoted.input());
        assertTrue(promoted.provenance().startsWith("promoted from run " + run.runId() + " (trace "),
                promoted.provenance());
        JsonNode line = JSON.readTree(Files.readAllLines(dataset).get(1));
        assertEquals("lookup_account", line.at("/expect/tools_called/0/name").asText());
        assertEquals("none", line.at("/expect/handoff").asText());

        CliRun evaluated = CliRun.of(env(), "eval", "run", "--dataset", dataset.toString(), "--report-dir",
                dir.resolve("reports").toString());
        assertEquals(0, evaluated.exitCode(), "the promoted case passes when run\n" + evaluated);

        CliRun again = CliRun.of(env(), "eval", "promote", "--run-id", run.runId(), "--dataset", dataset.toString(),
                "--id", "status-emails-stopped");
        assertEquals(2, again.exitCode(), again.toString());
        assertTrue(again.err().contains("already has a case 'status-emails-stopped'"), again.err());
        assertEquals(2, Files.readAllLines(dataset).size(), "a refused promotion writes nothing");
    }
}
