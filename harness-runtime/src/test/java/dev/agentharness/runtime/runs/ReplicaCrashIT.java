package dev.agentharness.runtime.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.RecordedRequest;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.fakes.model.Responder;
import dev.agentharness.runtime.sandbox.Bwrap;
import dev.agentharness.runtime.sandbox.SandboxTools;
import dev.agentharness.runtime.testing.ConversationLog;
import dev.agentharness.runtime.testing.HarnessHttp;
import dev.agentharness.runtime.testing.HarnessProcess;
import dev.agentharness.runtime.testing.SseClient;
import dev.agentharness.runtime.testing.PostgresAndModel;
import dev.agentharness.runtime.testing.ToolCallLog;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A replica is SIGKILLed with 30 runs in flight, through PgBouncer in transaction mode: 26 Maya runs at different
 * points of their conversations (lookup_account, then draft_reply, then the answer) and 4 "analyst" runs inside a
 * slow {@code exec_command} in their bubblewrap sandbox. A second replica on the same database resumes every one of
 * them from its journal once the dead replica's leases expire:
 * <ul>
 *   <li>every run ends {@code succeeded} — or {@code failed UncertainSideEffect} naming the draft_reply call, and only
 *       when that side-effecting call had started on the dead replica and its output was never journaled;</li>
 *   <li>the FAKE model's request log shows every journaled model response requested exactly once; a turn requested
 *       twice is at most one per run, was in flight at the kill, and its journaled response came from the resumer;</li>
 *   <li>draft_reply (declared EXTERNAL) was executed exactly once per call across both processes' logs;</li>
 *   <li>a sandbox command caught in flight ran again, once, in the resumer's sandbox when {@code exec_command}
 *       declares a repeat harmless ({@code SideEffects.SANDBOX}); otherwise its run failed UncertainSideEffect
 *       naming it and it did not run again.</li>
 * </ul>
 */
class ReplicaCrashIT {

    private static final Duration MODEL_LATENCY = Duration.ofMillis(1500);
    private static final int RUNS = 30;
    /** Of the 30, these run a slow command in a bubblewrap sandbox (agent "analyst", the local provider). */
    private static final int SANDBOXED = 4;
    private static final String SLOW_COMMAND = "sleep 15; echo done";
    /** Whether exec_command declares a repeat harmless (SideEffects.SANDBOX): then it re-runs, else the run fails. */
    private static final boolean COMMAND_REPEATABLE = SandboxTools.declarable().stream()
            .filter(tool -> tool.name().equals(SandboxTools.EXEC_COMMAND)).findFirst().orElseThrow()
            .effects().repeatable();
    private static final Duration SUBMIT_SPACING = Duration.ofMillis(100);
    private static final String DB = "replicacrash";

    @RegisterExtension
    final PostgresAndModel rig = new PostgresAndModel(MODEL_LATENCY).throughPgBouncer()
            .responder(ReplicaCrashIT::reply);

    private static final Responder MAYA = FakeModelServer.mayaDemo();

    /** Maya's scripted conversation, or for the analyst: one slow exec_command, then its output as the answer. */
    private static Reply reply(RecordedRequest request) {
        if (!request.toolNames().contains("exec_command")) {
            return MAYA.reply(request);
        }
        if (request.functionCalls().isEmpty()) {
            return Reply.functionCall("call_slow_exec", "exec_command", "{\"cmd\":\"" + SLOW_COMMAND
                    + "\",\"workdir\":null,\"yield_time_ms\":30000,\"max_output_tokens\":null}");
        }
        return Reply.message("the command said: " + request.functionCallOutputs().values().iterator().next());
    }

    @Test
    void sigkill_mid_conversation_every_run_resumes_on_another_replica_without_repeating_journaled_work()
            throws Exception {
        Bwrap.assumeInstalled();
        rig.postgres().createDatabase(DB);
        Map<String, String> env = Map.of(
                "SANDBOX_PROVIDER", "local",
                "HARNESS_AGENTS_DIR", Path.of("../examples/agents").toAbsolutePath().normalize().toString(),
                "DATABASE_URL", rig.databaseUrl(DB),
                "DATABASE_DIRECT_URL", rig.postgres().url(DB),
                "HARNESS_RUNS_LEASE_SECONDS", "3",
                "HARNESS_RUNS_LEASE_GRACE_SECONDS", "2",
                "OPENAI_API_KEY", "sk-replica-crash-test",
                "OPENAI_BASE_URL", rig.model().baseUrl());
        Path logA = Files.createTempFile(Path.of("/tmp"), "harness-replica-crash-a-", ".log");
        Path logB = Files.createTempFile(Path.of("/tmp"), "harness-replica-crash-b-", ".log");
        String batch = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> markerOf = new HashMap<>();

        String followed;
        int seenBeforeKill;
        Map<String, Long> epochAtKill;
        Instant killedAt;
        String replicaALog;
        try (HarnessProcess a = HarnessProcess.start(env, logA)) {
            assertTrue(a.isJvm(), "the kill must hit the harness JVM itself, not a wrapper");
            HarnessHttp http = new HarnessHttp(a.baseUrl());
            Set<String> sandboxed = new TreeSet<>();
            for (int i = 0; i < SANDBOXED; i++) {
                String marker = "crash-" + batch + "-sandbox-" + i;
                HttpResponse<String> accepted = http.submitBodyAsync("{\"agent\":\"analyst\",\"message\":\"please run it "
                        + marker + "\",\"manifest\":{\"entries\":{\"outputs\":{\"type\":\"dir\"}}}}");
                assertEquals(202, accepted.statusCode(), accepted.body());
                String runId = HarnessHttp.json(accepted.body()).path("run_id").asText();
                markerOf.put(runId, marker);
                sandboxed.add(runId);
            }
            awaitCommandsRunning(a, sandboxed, Duration.ofSeconds(30));
            // A live events client of one run on A: it reads the run's first step, then goes away with A.
            followed = sandboxed.iterator().next();
            try (SseClient stream = SseClient.get(URI.create(a.baseUrl() + "/runs/" + followed + "/events"),
                    Map.of())) {
                seenBeforeKill = Integer.parseInt(stream.nextData(Duration.ofSeconds(20)).id());
            }
            // Spaced submissions: at the kill the Maya runs are spread over their three model calls (the first, the one
            // after lookup_account, the one after draft_reply).
            for (int i = SANDBOXED; i < RUNS; i++) {
                String marker = "crash-" + batch + "-" + String.format("%03d", i);
                HttpResponse<String> accepted = http.submitAsync("please handle " + marker + " for account ACME-1001");
                assertEquals(202, accepted.statusCode(), accepted.body());
                markerOf.put(HarnessHttp.json(accepted.body()).path("run_id").asText(), marker);
                Thread.sleep(SUBMIT_SPACING);
            }
            Set<Integer> points = awaitRunsSpreadOverTurns(markerOf, Duration.ofSeconds(30));
            epochAtKill = leaseEpochs();
            a.kill();
            killedAt = Instant.now();
            replicaALog = a.log();
            assertTrue(points.size() >= 2 && points.contains(3),
                    "Maya runs at different points of their conversations at the kill: " + points);
        }

        Map<String, JsonNode> finals;
        String replicaBLog;
        List<SseClient.Event> eventsAfterMove;
        try (HarnessProcess b = HarnessProcess.start(env, logB)) {
            finals = new HarnessHttp(b.baseUrl()).awaitTerminal(markerOf.keySet(), Duration.ofSeconds(60));
            // The same client reconnects to B with the last id it saw: the rest of the run, each step exactly once.
            try (SseClient resumed = SseClient.get(URI.create(b.baseUrl() + "/runs/" + followed + "/events"),
                    Map.of("Last-Event-ID", Integer.toString(seenBeforeKill)))) {
                eventsAfterMove = resumed.dataUntilEnd(Duration.ofSeconds(20));
            }
            replicaBLog = b.log();
        }

        Map<String, List<Step>> journals = journals();
        List<Step> followedJournal = journals.get(followed);
        assertEquals(followedJournal.stream().filter(step -> step.seq() > seenBeforeKill)
                        .map(step -> Integer.toString(step.seq())).toList(),
                eventsAfterMove.stream().map(SseClient.Event::id).toList(),
                "after Last-Event-ID " + seenBeforeKill + " the stream served by the resuming replica carries every later "
                        + "step exactly once, in order");
        assertTrue(eventsAfterMove.getLast().event().startsWith("run_"), "and ends with the terminal step");
        Map<ToolCallLog.Call, Integer> executedOnA = ToolCallLog.executions(replicaALog);
        Map<ToolCallLog.Call, Integer> executedOnB = ToolCallLog.executions(replicaBLog);
        // The contract: a side-effecting call whose start was journaled but whose output was not may have acted, so the
        // run fails instead of repeating it. (Its log line may be missing: the kill can fall between the durable start
        // and the line, or the call itself — the harness cannot know which, and neither can this test.)
        Set<String> expectedUncertain = new TreeSet<>();
        for (Map.Entry<String, List<Step>> journal : journals.entrySet()) {
            for (Step step : journal.getValue()) {
                boolean uncertainWhenInterrupted = step.tool().equals("draft_reply")
                        || (step.tool().equals(SandboxTools.EXEC_COMMAND) && !COMMAND_REPEATABLE);
                boolean recorded = journal.getValue().stream().anyMatch(other -> other.kind().equals("tool_output")
                        && other.callId().equals(step.callId()));
                if (step.kind().equals("tool_started") && uncertainWhenInterrupted && !recorded) {
                    expectedUncertain.add(journal.getKey());
                }
            }
        }

        Set<String> uncertain = new TreeSet<>();
        int recovered = 0;
        for (Map.Entry<String, String> run : markerOf.entrySet()) {
            String runId = run.getKey();
            JsonNode view = finals.get(runId);
            List<Step> journal = journals.getOrDefault(runId, List.of());
            String status = view.path("status").asText();
            if (status.equals("failed") && view.path("reason").asText().equals("UncertainSideEffect")) {
                uncertain.add(runId);
                String message = journal.isEmpty() ? "" : journal.getLast().message();
                String tool = sandboxed(run.getValue()) ? SandboxTools.EXEC_COMMAND : "draft_reply";
                assertTrue(message.contains("tool call " + tool + " (call "),
                        runId + " names the uncertain step: " + journal.getLast());
            } else {
                assertEquals("succeeded", status, runId + " (" + run.getValue() + ") ended " + view);
                assertTrue(view.path("reply").asText().contains(sandboxed(run.getValue()) ? "done" : "Priya Raman"),
                        view.toString());
            }
            if (journal.stream().anyMatch(step -> step.epoch() > epochAtKill.getOrDefault(runId, 0L))) {
                recovered++;
            }
            assertModelCallsNotRepeated(runId, run.getValue(), journal, epochAtKill.getOrDefault(runId, 0L), killedAt);
        }
        assertTrue(recovered >= RUNS / 2, "at least half the runs were resumed by the second replica: " + recovered);
        assertEquals(expectedUncertain, uncertain,
                "UncertainSideEffect exactly for the side-effecting calls journaled as started and never as finished");

        Map<ToolCallLog.Call, Integer> executions = new HashMap<>(executedOnA);
        executedOnB.forEach((call, count) -> executions.merge(call, count, Integer::sum));
        Set<String> draftedRuns = new HashSet<>();
        for (Map.Entry<ToolCallLog.Call, Integer> execution : executions.entrySet()) {
            ToolCallLog.Call call = execution.getKey();
            if (call.tool().equals("draft_reply") && markerOf.containsKey(call.runId())) {
                assertEquals(1, execution.getValue(), "draft_reply executed at most once: " + call);
                if (uncertain.contains(call.runId())) {
                    assertEquals(0, executedOnB.getOrDefault(call, 0), "an uncertain call is never run again: " + call);
                }
                draftedRuns.add(call.runId());
            }
        }
        for (String runId : markerOf.keySet()) {
            if (!sandboxed(markerOf.get(runId)) && !uncertain.contains(runId)) {
                assertTrue(draftedRuns.contains(runId), runId + " succeeded, so its draft_reply ran exactly once");
            }
        }
        for (Map.Entry<String, String> run : markerOf.entrySet()) {
            if (sandboxed(run.getValue())) {
                ToolCallLog.Call command = new ToolCallLog.Call(run.getKey(), "exec_command", "call_slow_exec");
                assertEquals(1, executedOnA.getOrDefault(command, 0), "the command was running at the kill: " + command);
                assertEquals(COMMAND_REPEATABLE ? 1 : 0, executedOnB.getOrDefault(command, 0), "a sandbox command "
                        + "caught in flight runs again in the resumer's sandbox iff exec_command declares a repeat "
                        + "harmless (" + COMMAND_REPEATABLE + "): " + command);
            }
        }
    }

    private static boolean sandboxed(String marker) {
        return marker.contains("-sandbox-");
    }

    /** Waits until replica A has started the slow command of every sandboxed run (its log says so). */
    private static void awaitCommandsRunning(HarnessProcess a, Set<String> runIds, Duration timeout)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            Set<String> running = new HashSet<>();
            ToolCallLog.executions(a.log()).keySet().stream().filter(call -> call.tool().equals("exec_command"))
                    .forEach(call -> running.add(call.runId()));
            if (running.containsAll(runIds)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the sandbox commands did not start within " + timeout + ":\n" + a.log());
    }

    /**
     * The model requests of one run, per turn: a turn whose response the dead replica journaled was requested once; at
     * most one turn was requested twice, first before the kill (in flight), then after, with its journaled response
     * written by the resumer (a later lease epoch).
     */
    private void assertModelCallsNotRepeated(String runId, String marker, List<Step> journal, long epochAtKill,
                                             Instant killedAt) {
        List<List<Instant>> turns = new ConversationLog(rig.model()).requestsPerTurn(marker);
        List<Step> responses = journal.stream().filter(step -> step.kind().equals("model_response")).toList();
        assertEquals(responses.size(), turns.size(), runId + ": one requested turn per journaled response " + turns);
        int repeated = 0;
        for (int turn = 0; turn < turns.size(); turn++) {
            List<Instant> requests = turns.get(turn);
            Step response = responses.get(turn);
            if (requests.size() == 1) {
                continue;
            }
            repeated++;
            assertEquals(2, requests.size(), runId + " turn " + (turn + 1) + " requested " + requests);
            assertTrue(requests.get(0).isBefore(killedAt) && requests.get(1).isAfter(killedAt),
                    runId + " turn " + (turn + 1) + ": the repeat is of the call in flight at the kill " + requests);
            assertTrue(response.epoch() > epochAtKill,
                    runId + " turn " + (turn + 1) + " was journaled before the kill and still requested again");
        }
        assertTrue(repeated <= 1, runId + " repeated " + repeated + " model calls");
    }

    /**
     * Waits until no run is queued and the running Maya runs sit at different turns (how many model requests the FAKE
     * model has seen for each), one of them past its draft_reply; returns the turns seen.
     */
    private Set<Integer> awaitRunsSpreadOverTurns(Map<String, String> markerOf, Duration timeout)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        Set<Integer> points = Set.of();
        while (Instant.now().isBefore(deadline)) {
            List<List<String>> rows = rig.postgres().query(DB, "SELECT id, status FROM public.runs");
            boolean queued = rows.stream().anyMatch(row -> row.get(1).equals("queued"));
            ConversationLog conversations = new ConversationLog(rig.model());
            points = new TreeSet<>(rows.stream().filter(row -> row.get(1).equals("running"))
                    .filter(row -> !sandboxed(markerOf.get(row.get(0))))
                    .map(row -> conversations.requestsPerTurn(markerOf.get(row.get(0))).size()).toList());
            if (!queued && points.size() >= 2 && points.contains(3)) {
                return points;
            }
            Thread.sleep(50);
        }
        return points;
    }

    private Map<String, Long> leaseEpochs() {
        Map<String, Long> epochs = new HashMap<>();
        for (List<String> row : rig.postgres().query(DB, "SELECT id, lease_epoch FROM public.runs")) {
            epochs.put(row.get(0), Long.parseLong(row.get(1)));
        }
        return epochs;
    }

    /** One journal step as the test reads it. */
    private record Step(int seq, String kind, long epoch, String callId, String tool, String message) {
    }

    private Map<String, List<Step>> journals() {
        Map<String, List<Step>> journals = new HashMap<>();
        for (List<String> row : rig.postgres().query(DB, "SELECT run_id, seq, kind, epoch, "
                + "coalesce(payload->>'call_id', ''), coalesce(payload->>'tool', ''), "
                + "coalesce(translate(payload->>'message', E'|\\n\\r', '/  '), '') "
                + "FROM public.run_steps ORDER BY run_id, seq")) {
            journals.computeIfAbsent(row.get(0), id -> new ArrayList<>()).add(new Step(Integer.parseInt(row.get(1)),
                    row.get(2), Long.parseLong(row.get(3)), row.get(4), row.get(5), row.get(6)));
        }
        return journals;
    }
}
