package dev.agentharness.runtime.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Per-principal limits over HTTP with exact counts: {@code requests_per_minute} (429, {@code Retry-After},
 * {@code RateLimit-*} on every answer, other principals unaffected) and the run quotas {@code max_queued} (429 naming
 * it, an idempotent retry still accepted) and {@code max_in_flight} (never more running, the rest start as others
 * finish), from a tenants file.
 */
@QuarkusTest
@TestProfile(TenantLimitsApiTest.WithTenantLimits.class)
class TenantLimitsApiTest {

    static final String LIMITED_KEY = "limited-key-0123456789abcdef";
    static final String OPERATOR_KEY = "operator-key-0123456789abcdef";
    static final String OTHER_KEY = "other-key-0123456789abcdef01";
    static final String QUOTA_KEY = "quota-key-0123456789abcdef012";

    /** Three principals with keys, limits from a tenants file, the FAKE model. */
    public static class WithTenantLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Path file = Path.of("target", "tenant-limits-test.yaml").toAbsolutePath();
            try {
                Files.createDirectories(file.getParent());
                Files.writeString(file, """
                        defaults: {}
                        principals:
                          limited: {requests_per_minute: 5}
                          other: {requests_per_minute: 5}
                          quota: {max_queued: 3, max_in_flight: 2}
                        namespaces:
                          team-a: {requests_per_minute: 2}
                        """);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of(
                    "harness.api-keys", "limited:" + LIMITED_KEY + ",other:" + OTHER_KEY + ",quota:" + QUOTA_KEY
                            + ",operator:" + OPERATOR_KEY,
                    "harness.namespace-delegates", "operator",
                    "harness.tenants.file", file.toString());
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeModelResource.class));
        }
    }

    /** Model calls that hang until the test lets them go. */
    final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void releaseHangingCalls() {
        release.countDown();
    }

    @Test
    void fiveRequestsAMinutePassWithTheirHeadersTheSixthIs429AndOthersAreUnaffected() {
        for (int i = 0; i < 5; i++) {
            Response ok = given().auth().oauth2(LIMITED_KEY).get("/runs");
            assertEquals(200, ok.statusCode(), ok.asString());
            assertEquals("5", ok.header("RateLimit-Limit"));
            assertEquals(Integer.toString(4 - i), ok.header("RateLimit-Remaining"));
            assertEquals("5;w=60", ok.header("RateLimit-Policy"));
            long reset = Long.parseLong(ok.header("RateLimit-Reset"));
            assertTrue(reset >= 1 && reset <= 60, "RateLimit-Reset " + reset);
        }

        Response refused = given().auth().oauth2(LIMITED_KEY).get("/runs");

        assertEquals(429, refused.statusCode());
        assertEquals("application/problem+json", refused.contentType());
        assertEquals("requests_per_minute", refused.jsonPath().getString("limit"));
        assertEquals(429, refused.jsonPath().getInt("status"));
        assertTrue(refused.jsonPath().getString("detail").contains("5 requests"), refused.asString());
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
        assertEquals("5", refused.header("RateLimit-Limit"));
        assertEquals("0", refused.header("RateLimit-Remaining"));
        assertEquals("5;w=60", refused.header("RateLimit-Policy"));
        assertTrue(Long.parseLong(refused.header("RateLimit-Reset")) >= 1);
        // A refused request is refused before the resource: POST /runs too.
        given().auth().oauth2(LIMITED_KEY).contentType("application/json").body("{\"message\":\"hi\"}")
                .post("/runs").then().statusCode(429);

        Response other = given().auth().oauth2(OTHER_KEY).get("/runs");
        assertEquals(200, other.statusCode());
        assertEquals("4", other.header("RateLimit-Remaining"));
        // Unauthenticated paths are not limited (and carry no RateLimit fields).
        Response health = given().get("/health");
        assertEquals(200, health.statusCode());
        assertNull(health.header("RateLimit-Limit"));
    }

    @Test
    void aNamespacesLimitCountsItsWritesNotTheOperatorsReads() {
        for (int i = 0; i < 5; i++) {
            Response read = given().auth().oauth2(OPERATOR_KEY).header("Agent-Harness-Namespace", "team-a")
                    .get("/runs");
            assertEquals(200, read.statusCode(), "the operator following team-a's runs, read " + (i + 1));
            assertNull(read.header("RateLimit-Limit"));
        }
        for (int i = 0; i < 2; i++) {
            given().auth().oauth2(OPERATOR_KEY).header("Agent-Harness-Namespace", "team-a")
                    .post("/runs/run_absent" + i + "/cancel").then().statusCode(404).header("RateLimit-Limit", "2");
        }
        Response third = given().auth().oauth2(OPERATOR_KEY).header("Agent-Harness-Namespace", "team-a")
                .post("/runs/run_absent3/cancel");
        assertEquals(429, third.statusCode(), third.asString());
        assertEquals("requests_per_minute", third.jsonPath().getString("limit"));
    }

    @Test
    void maxQueuedAndMaxInFlightHoldOverHttp() {
        ConversationRouter router = ConversationRouter.installOn(FakeModelResource.server());
        String token = ConversationRouter.token();
        AtomicInteger inCall = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        AtomicInteger calls = new AtomicInteger();
        router.route(token, request -> {
            calls.incrementAndGet();
            mostAtOnce.accumulateAndGet(inCall.incrementAndGet(), Math::max);
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inCall.decrementAndGet();
            }
            return Reply.message("done");
        });

        // max_in_flight 2: two runs start and hold their model calls.
        List<String> accepted = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            accepted.add(submit("key-" + i, token).then().statusCode(202).extract().path("run_id"));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> calls.get() == 2);
        // max_queued 3: three more wait.
        for (int i = 2; i < 5; i++) {
            accepted.add(submit("key-" + i, token).then().statusCode(202).extract().path("run_id"));
        }

        Response refused = submit("key-5", token);

        assertEquals(429, refused.statusCode(), refused.asString());
        assertEquals("application/problem+json", refused.contentType());
        assertEquals("max_queued", refused.jsonPath().getString("limit"));
        assertTrue(refused.jsonPath().getString("detail").contains("3 of this principal's runs are queued"),
                refused.asString());
        assertTrue(refused.jsonPath().getString("detail").contains("max_queued is 3"), refused.asString());
        assertEquals("5", refused.header("Retry-After"));
        // An idempotent retry of an accepted run is its run, never a refusal.
        Response retried = submit("key-3", token);
        assertEquals(202, retried.statusCode(), retried.asString());
        assertEquals(accepted.get(3), retried.path("run_id"));
        assertEquals(2, calls.get(), "no third run started while two were running");

        release.countDown();

        for (String runId : accepted) {
            await().atMost(Duration.ofSeconds(30)).until(() -> "succeeded".equals(
                    given().auth().oauth2(QUOTA_KEY).get("/runs/" + runId).then().extract().path("status")));
        }
        assertEquals(5, calls.get());
        assertTrue(mostAtOnce.get() <= 2, "at most max_in_flight model calls at once, saw " + mostAtOnce.get());
    }

    private static Response submit(String idempotencyKey, String token) {
        return given().auth().oauth2(QUOTA_KEY).contentType("application/json").header("Prefer", "respond-async")
                .header("Idempotency-Key", idempotencyKey + "-" + token)
                .body("{\"message\":\"work " + token + "\"}").post("/runs");
    }
}
