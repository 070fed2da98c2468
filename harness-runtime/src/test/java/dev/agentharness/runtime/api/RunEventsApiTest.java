package dev.agentharness.runtime.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.api.RunStatus;
import dev.agentharness.runtime.runs.RunEvent;
import dev.agentharness.runtime.runs.RunEventSettings;
import dev.agentharness.runtime.runs.RunEventStream;
import dev.agentharness.runtime.runs.RunEvents;
import dev.agentharness.runtime.runs.RunEventsNotifier;
import dev.agentharness.runtime.state.JournalStep;
import dev.agentharness.runtime.state.NewRun;
import dev.agentharness.runtime.state.RunCompletion;
import dev.agentharness.runtime.state.RunJournal;
import dev.agentharness.runtime.state.RunRecord;
import dev.agentharness.runtime.state.RunCompletions;
import dev.agentharness.runtime.state.RunQueue;
import dev.agentharness.runtime.state.RunReads;
import dev.agentharness.runtime.state.RunSubmissions;
import dev.agentharness.runtime.testing.SseClient;
import dev.agentharness.runtime.testing.WithJournalOnly;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /runs/{id}/events} over real HTTP against journals written step by step with {@link RunJournal#append}
 * under a lease this test claimed (the profile's worker claims nothing), on the harness's PostgreSQL.
 */
@QuarkusTest
@TestProfile(WithJournalOnly.class)
class RunEventsApiTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALICE = "Bearer " + WithJournalOnly.ALICE_KEY;
    private static final String SECRET = "sk-live-PLANTED-0123456789";

    @Inject
    RunSubmissions submissions;

    @Inject
    RunQueue queue;

    @Inject
    RunCompletions completions;

    @Inject
    RunReads reads;

    @Inject
    RunJournal journal;
    @Inject
    RunEvents events;
    @Inject
    RunEventsNotifier notifier;

    @TestHTTPResource("/")
    URI base;

    @Test
    void aFinishedRunStreamsEveryStepInOrderThenCloses() throws Exception {
        RunJournal.Lease lease = claimedRun("alice");
        append(lease, 1, "agent_started", "{\"agent\":\"maya\",\"tools\":[\"lookup_account\"],\"handoffs\":[]}");
        append(lease, 2, "model_response", "{\"agent\":\"maya\",\"turn\":1,\"output\":[]}");
        append(lease, 3, "handoff", "{\"from_agent\":\"maya\",\"to_agent\":\"billing\",\"call_id\":\"c1\"}");
        succeed(lease, 4);

        try (SseClient stream = SseClient.get(eventsUri(lease.runId(), ""), Map.of("Authorization", ALICE))) {
            assertEquals(200, stream.response().statusCode());
            assertTrue(stream.response().headers().firstValue("Content-Type").orElseThrow()
                    .startsWith("text/event-stream"));
            List<SseClient.Event> all = stream.dataUntilEnd(WAIT);
            assertEquals(List.of("1", "2", "3", "4"), all.stream().map(SseClient.Event::id).toList());
            assertEquals(List.of("agent_started", "model_response", "handoff", "run_succeeded"),
                    all.stream().map(SseClient.Event::event).toList());
            for (SseClient.Event event : all) {
                JsonNode data = JSON.readTree(event.data());
                assertEquals(Integer.parseInt(event.id()), data.path("seq").asInt(), event.data());
                assertEquals(event.event(), data.path("kind").asText());
                assertTrue(data.path("at").asText().endsWith("Z"), event.data());
                assertFalse(event.data().contains("\n"));
            }
            JsonNode end = JSON.readTree(all.getLast().data());
            assertEquals("succeeded", end.path("status").asText());
            assertEquals("the reply", end.path("reply").asText());
            assertEquals("billing", JSON.readTree(all.get(2).data()).path("to_agent").asText());
        }
    }

    @Test
    void stepsAppendedWhileConnectedArriveByPollingAndTheTerminalStepClosesTheStream() throws Exception {
        RunJournal.Lease lease = claimedRun("alice");
        append(lease, 1, "agent_started", "{\"agent\":\"maya\"}");

        try (SseClient stream = SseClient.get(eventsUri(lease.runId(), ""), Map.of("Authorization", ALICE))) {
            assertEquals("1", stream.nextData(WAIT).id());
            // No notifier call: another replica writes this journal, only the poll can find the steps.
            append(lease, 2, "tool_started", "{\"agent\":\"maya\",\"tool\":\"lookup_account\",\"call_id\":\"c1\"}");
            append(lease, 3, "tool_output", "{\"agent\":\"maya\",\"tool\":\"lookup_account\",\"call_id\":\"c1\"}");
            assertEquals("2", stream.nextData(WAIT).id());
            assertEquals("3", stream.nextData(WAIT).id());
            succeed(lease, 4);
            SseClient.Event end = stream.nextData(WAIT);
            assertEquals("run_succeeded", end.event());
            assertNull(stream.nextData(WAIT), "the stream closes after the terminal step");
        }
    }

    @Test
    void reconnectingWithLastEventIdResumesAfterItExactlyOnce() throws Exception {
        RunJournal.Lease lease = claimedRun("alice");
        append(lease, 1, "agent_started", "{\"agent\":\"maya\"}");
        append(lease, 2, "model_response", "{\"agent\":\"maya\",\"turn\":1,\"output\":[]}");
        try (SseClient first = SseClient.get(eventsUri(lease.runId(), ""), Map.of("Authorization", ALICE))) {
            assertEquals("1", first.nextData(WAIT).id());
            assertEquals("2", first.nextData(WAIT).id());
        }
        append(lease, 3, "model_response", "{\"agent\":\"maya\",\"turn\":2,\"output\":[]}");

        try (SseClient resumed = SseClient.get(eventsUri(lease.runId(), ""),
                Map.of("Authorization", ALICE, "Last-Event-ID", "2"))) {
            assertEquals("3", resumed.nextData(WAIT).id());
            append(lease, 4, "model_response", "{\"agent\":\"maya\",\"turn\":3,\"output\":[]}");
            succeed(lease, 5);
            assertEquals(List.of("4", "5"), resumed.dataUntilEnd(WAIT).stream().map(SseClient.Event::id).toList());
        }
        try (SseClient fromMiddle = SseClient.get(eventsUri(lease.runId(), ""),
                Map.of("Authorization", ALICE, "Last-Event-ID", "3"))) {
            assertEquals(List.of("4", "5"), fromMiddle.dataUntilEnd(WAIT).stream().map(SseClient.Event::id).toList());
        }
        try (SseClient afterTheEnd = SseClient.get(eventsUri(lease.runId(), ""),
                Map.of("Authorization", ALICE, "Last-Event-ID", "5"))) {
            assertEquals(List.of(), afterTheEnd.dataUntilEnd(WAIT), "nothing after the terminal step, then close");
        }
    }

    @Test
    void afterQueryParameterStartsLaterTheHeaderWinsAndAPositionBeyondTheEndWaits() throws Exception {
        RunJournal.Lease lease = claimedRun("alice");
        for (int seq = 1; seq <= 4; seq++) {
            append(lease, seq, "model_response", "{\"agent\":\"maya\",\"turn\":" + seq + ",\"output\":[]}");
        }
        try (SseClient after = SseClient.get(eventsUri(lease.runId(), "?after=2"), Map.of("Authorization", ALICE));
             SseClient both = SseClient.get(eventsUri(lease.runId(), "?after=1"),
                     Map.of("Authorization", ALICE, "Last-Event-ID", "3"));
             SseClient beyond = SseClient.get(eventsUri(lease.runId(), "?after=5"), Map.of("Authorization", ALICE))) {
            assertEquals("3", after.nextData(WAIT).id());
            assertEquals("4", after.nextData(WAIT).id());
            assertEquals("4", both.nextData(WAIT).id());
            append(lease, 5, "model_response", "{\"agent\":\"maya\",\"turn\":5,\"output\":[]}");
            append(lease, 6, "model_response", "{\"agent\":\"maya\",\"turn\":6,\"output\":[]}");
            assertEquals("6", beyond.nextData(WAIT).id(), "waits for the step after 5");
        }
    }

    @Test
    void toolPayloadsAndMessageTextsNeverReachTheStreamAndSignedLinksAreRedacted() throws Exception {
        RunJournal.Lease lease = claimedRun("alice");
        String link = "https://bucket.example/k?X-Amz-Signature=" + SECRET;
        append(lease, 1, "model_response", "{\"agent\":\"maya\",\"model\":\"m\",\"turn\":1,\"response_id\":\"r1\","
                + "\"output\":[{\"type\":\"message\",\"text\":\"" + SECRET + "\"},{\"type\":\"function_call\","
                + "\"call_id\":\"call_1\",\"name\":\"lookup_account\",\"arguments\":\"{\\\"key\\\":\\\"" + SECRET
                + "\\\"}\"}]}");
        append(lease, 2, "tool_started", "{\"agent\":\"maya\",\"tool\":\"lookup_account\",\"call_id\":\"call_1\","
                + "\"arguments\":\"{\\\"key\\\":\\\"" + SECRET + "\\\"}\"}");
        append(lease, 3, "tool_output", "{\"agent\":\"maya\",\"tool\":\"lookup_account\",\"call_id\":\"call_1\","
                + "\"output\":\"token " + SECRET + "\",\"error\":\"fetching " + link + " failed\"}");
        append(lease, 4, "guardrail", "{\"agent\":\"maya\",\"name\":\"no_links\",\"stage\":\"output\","
                + "\"triggered\":true,\"explanation\":\"saw " + link + "\"}");
        succeed(lease, 5);

        try (SseClient stream = SseClient.get(eventsUri(lease.runId(), ""), Map.of("Authorization", ALICE))) {
            List<SseClient.Event> all = stream.dataUntilEnd(WAIT);
            assertEquals(5, all.size(), stream.raw());
            assertFalse(stream.raw().contains(SECRET), stream.raw());
            JsonNode response = JSON.readTree(all.get(0).data());
            assertEquals("call_1", response.path("output").path(1).path("call_id").asText());
            assertEquals("lookup_account", response.path("output").path(1).path("name").asText());
            assertTrue(response.path("output").path(1).path("arguments").isMissingNode());
            assertTrue(response.path("output").path(0).path("text").isMissingNode());
            assertEquals("message", response.path("output").path(0).path("type").asText());
            JsonNode started = JSON.readTree(all.get(1).data());
            assertEquals("lookup_account", started.path("tool").asText());
            assertTrue(started.path("arguments").isMissingNode());
            JsonNode output = JSON.readTree(all.get(2).data());
            assertTrue(output.path("output").isMissingNode());
            assertEquals("fetching https://bucket.example/k?[redacted]", output.path("error").asText());
            assertEquals("saw https://bucket.example/k?[redacted]",
                    JSON.readTree(all.get(3).data()).path("explanation").asText());
        }
    }

    @Test
    void anotherPrincipalsRunAndAnUnknownRunAre404ProblemsLikeGetRun() {
        RunJournal.Lease lease = claimedRun("alice");
        given().header("Authorization", "Bearer " + WithJournalOnly.BOB_KEY).accept("text/event-stream")
                .get("/runs/" + lease.runId() + "/events")
                .then().statusCode(404).contentType("application/problem+json")
                .body("detail", containsString(lease.runId()));
        given().header("Authorization", ALICE).accept("text/event-stream").get("/runs/run_nope/events")
                .then().statusCode(404).contentType("application/problem+json");
        given().accept("text/event-stream").get("/runs/" + lease.runId() + "/events").then().statusCode(401);
    }

    @Test
    void aCursorThatIsNotAStepNumberIs400NamingWhereItCameFrom() {
        RunJournal.Lease lease = claimedRun("alice");
        for (String bad : List.of("abc", "-1", "1.5", "99999999999")) {
            given().header("Authorization", ALICE).header("Last-Event-ID", bad).accept("text/event-stream")
                    .get("/runs/" + lease.runId() + "/events")
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("detail", startsWith("header 'Last-Event-ID'"));
        }
        given().header("Authorization", ALICE).queryParam("after", "x").accept("text/event-stream")
                .get("/runs/" + lease.runId() + "/events")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", startsWith("query parameter 'after'"));
    }

    @Test
    void aRunThatEndedWithoutATerminalStepGetsOneMadeFromItsRowWithoutAnId() throws Exception {
        RunJournal.Lease lease = claimedRun("alice");
        // As runs finished before the journal existed: the row is terminal, no step says so.
        assertTrue(completions.complete(completion(lease)));

        try (SseClient stream = SseClient.get(eventsUri(lease.runId(), ""), Map.of("Authorization", ALICE))) {
            List<SseClient.Event> all = stream.dataUntilEnd(WAIT);
            assertEquals(1, all.size(), stream.raw());
            assertNull(all.getFirst().id(), stream.raw());
            assertFalse(stream.raw().contains("id:"), stream.raw());
            assertEquals("run_succeeded", all.getFirst().event());
            JsonNode data = JSON.readTree(all.getFirst().data());
            assertEquals("the reply", data.path("reply").asText());
            assertTrue(data.path("seq").isNull());
        }
    }

    @Test
    void aQuietRunGetsKeepAliveCommentsAndClosingTheClientStopsItsPoller() throws Exception {
        RunJournal.Lease lease = claimedRun("alice");
        int before = events.openStreams();
        SseClient stream = SseClient.get(eventsUri(lease.runId(), ""), Map.of("Authorization", ALICE));
        try {
            SseClient.Event comment = stream.next(WAIT);
            assertEquals(List.of("keep-alive"), comment.comments(), stream.raw());
            assertNull(comment.data());
            assertEquals(before + 1, events.openStreams());
        } finally {
            stream.close();
        }
        await().atMost(WAIT).until(() -> events.openStreams() == before);
    }

    @Test
    void thisReplicasJournalWriterWakesAStreamWithoutWaitingForThePoll() throws Exception {
        RunJournal.Lease lease = claimedRun("alice");
        RunEventSettings slow = new RunEventSettings() {
            @Override
            public int pollMillis() {
                return (int) TimeUnit.MINUTES.toMillis(10);
            }

            @Override
            public int heartbeatSeconds() {
                return (int) TimeUnit.MINUTES.toSeconds(10);
            }
        };
        RunEventsNotifier localNotifier = new RunEventsNotifier();
        RunEvents slowEvents = new RunEvents(reads, journal, localNotifier, slow);
        try (RunEventStream stream = slowEvents.followFromStart(lease.runId(), "alice")) {
            CompletableFuture<List<RunEvent>> next = CompletableFuture.supplyAsync(() -> {
                try {
                    return stream.next();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> Thread.ofVirtual().start(runnable));
            append(lease, 1, "agent_started", "{\"agent\":\"maya\"}");
            localNotifier.stepsWritten(lease.runId());
            List<RunEvent> woken = next.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(1, woken.size());
            assertEquals(1, woken.getFirst().seq());
        }
    }

    private URI eventsUri(String runId, String query) {
        return base.resolve("/runs/" + runId + "/events" + query);
    }

    /** A run of {@code principal} claimed by this test's own worker id, as a worker on another replica would. */
    private RunJournal.Lease claimedRun(String principal) {
        String runId = "run_" + UUID.randomUUID().toString().replace("-", "");
        submissions.submit(new NewRun(runId, "s-" + runId, principal, "maya", "gpt-5.4-mini", "hi", "{}", "h", null, 10,
                null, false, "0".repeat(32)));
        String worker = "test-worker-" + runId;
        for (int attempt = 0; attempt < 50; attempt++) {
            for (RunRecord claimed : queue.claimQueued(worker, 100, Duration.ofMinutes(10))) {
                if (claimed.runId().equals(runId)) {
                    return new RunJournal.Lease(runId, worker, claimed.leaseEpoch());
                }
            }
        }
        throw new AssertionError("could not claim " + runId);
    }

    private void append(RunJournal.Lease lease, int seq, String kind, String payload) {
        assertTrue(journal.append(lease, List.of(JournalStep.of(seq, kind, payload)), kind.equals("model_response") ? 1 : 0));
    }

    private void succeed(RunJournal.Lease lease, int seq) {
        assertTrue(completions.complete(completion(lease).withSteps(List.of(JournalStep.of(seq, "run_succeeded",
                "{\"status\":\"succeeded\",\"reply\":\"the reply\",\"turns\":1,\"input_tokens\":3,\"output_tokens\":4}")))));
    }

    private static RunCompletion completion(RunJournal.Lease lease) {
        return new RunCompletion(lease.runId(), lease.workerId(), RunStatus.SUCCEEDED, null, "the reply", 3, 4, 0,
                false, "[]", List.of(), List.of());
    }
}
