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
import io.vertx.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every run reaches a terminal state with a reason, whatever the model does: a reply the database cannot store, a
 * model call that never returns past {@code timeout_seconds}, a lease taken over by another replica.
 */
@QuarkusTest
@TestProfile(RunLifecycleTest.ShortLeases.class)
class RunLifecycleTest {

    /** The FAKE model, 3 s leases (a heartbeat a second) and a completion window that can be set. */
    public static class ShortLeases implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("harness.runs.lease-seconds", "3", "harness.runs.complete-retry-seconds", "7");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeModelResource.class));
        }
    }

    @Inject
    DurableCompletion durableCompletion;

    @Inject
    RunDispatcher dispatcher;

    @Inject
    Database database;

    FakeModelServer model;
    ConversationRouter router;
    /** Model calls that hang are released when the test ends, so the fake's threads do not pile up. */
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
    void theCompletionRetryWindowCanBeSet() {
        assertEquals(Duration.ofSeconds(7), durableCompletion.window());
    }

    @Test
    void aNulCharacterInTheModelsReplyIsStrippedAndTheRunSucceeds() {
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("fine\u0000 thanks"));

        String runId = submit("{\"message\":\"hello " + token + "\"}");

        JsonPath run = awaitTerminal(runId);
        assertEquals("succeeded", run.getString("status"), run.prettify());
        assertEquals("fine thanks", run.getString("reply"));
    }

    @Test
    void aModelCallInFlightPastTimeoutSecondsIsInterruptedAndTheRunTimesOut() {
        String token = ConversationRouter.token();
        router.route(token, request -> hang());

        String runId = submit("{\"message\":\"slow " + token + "\",\"timeout_seconds\":1}");

        JsonPath run = awaitTerminal(runId);
        assertEquals("timed_out", run.getString("status"), run.prettify());
        assertEquals("TimedOut", run.getString("reason"));
    }

    @Test
    void aRunWhoseLeaseWasTakenStopsActingAndRecordsNothing() throws Exception {
        String token = ConversationRouter.token();
        AtomicInteger modelCalls = new AtomicInteger();
        router.route(token, request -> {
            modelCalls.incrementAndGet();
            return hang();
        });
        String runId = submit("{\"message\":\"taken " + token + "\"}");
        await().atMost(Duration.ofSeconds(20)).until(() -> modelCalls.get() == 1);

        // Another replica took the run over (as after a sweep and a re-claim).
        database.pool().preparedQuery("UPDATE public.runs SET lease_owner = 'worker-elsewhere', "
                        + "lease_expires_at = now() + interval '10 minutes' WHERE id = $1")
                .execute(Tuple.of(runId)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        // The next heartbeat (every second) sees the lease is gone and interrupts the model call in flight.
        await().atMost(Duration.ofSeconds(20)).until(() -> dispatcher.inFlight() == 0);
        JsonPath run = JsonPath.from(given().get("/runs/" + runId).then().statusCode(200).extract().asString());
        assertEquals("running", run.getString("status"), "the new owner records the outcome, not this replica");
        assertEquals(1, modelCalls.get(), "no model call after the lease was lost");
    }

    private Reply hang() {
        try {
            release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Reply.message("too late");
    }

    private static String submit(String body) {
        return given().contentType("application/json").header("Prefer", "respond-async").body(body).post("/runs")
                .then().statusCode(202).extract().path("run_id");
    }

    private static JsonPath awaitTerminal(String runId) {
        return await().atMost(Duration.ofSeconds(30)).until(
                () -> JsonPath.from(given().get("/runs/" + runId).then().statusCode(200).extract().asString()),
                run -> !List.of("queued", "running").contains(run.getString("status")));
    }
}
