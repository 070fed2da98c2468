package dev.agentharness.runtime.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.ApplicationInsightsReceiver;
import dev.agentharness.runtime.testing.ApplicationInsightsReceiverResource;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.OtlpReceiver;
import dev.agentharness.runtime.testing.OtlpReceiverResource;
import dev.agentharness.runtime.testing.WithApplicationInsights;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * APPLICATIONINSIGHTS_CONNECTION_STRING: the Azure Monitor exporter sends a run's spans to the (loopback) ingestion
 * endpoint as Application Insights telemetry — gzip'd newline-delimited envelopes with the key, the run's trace id as
 * the operation id and its run id in each item's properties — beside the OTLP export, and no credential or signed
 * link goes with them.
 */
@QuarkusTest
@TestProfile(WithApplicationInsights.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApplicationInsightsExportTest {

    private static String name(JsonNode envelope) {
        return envelope.path("data").path("baseData").path("name").asText();
    }

    @Test
    @Order(1)
    void aRunArrivesAsApplicationInsightsTelemetryBesideOtlp() {
        String token = ConversationRouter.token();
        ConversationRouter.installOn(FakeModelResource.server()).route(token,
                request -> Reply.functionCall("lookup_account", "{\"account_id\":\"ACME-1001\"}"));
        String runId = given().contentType("application/json")
                .body("{\"message\":\"loop " + token + "\",\"max_turns\":2}").post("/runs")
                .then().statusCode(200).extract().path("run_id");
        String traceId = given().get("/runs/" + runId).then().statusCode(200).extract().path("trace_id");

        ApplicationInsightsReceiver receiver = ApplicationInsightsReceiverResource.receiver();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Set<String> names = receiver.spansOf(traceId).stream().map(ApplicationInsightsExportTest::name)
                    .collect(Collectors.toSet());
            assertTrue(names.containsAll(Set.of("agent.run", "chat gpt-5.4-mini", "execute_tool lookup_account")),
                    receiver.requests().size() + " requests; span names for the run's trace: " + names);
        });
        List<JsonNode> spans = receiver.spansOf(traceId).stream()
                .filter(envelope -> runId.equals(envelope.path("data").path("baseData").path("properties")
                        .path("run_id").asText())).toList();
        Set<String> runSpanNames = spans.stream().map(ApplicationInsightsExportTest::name).collect(Collectors.toSet());
        assertTrue(runSpanNames.containsAll(Set.of("agent.run", "chat gpt-5.4-mini", "execute_tool lookup_account")),
                "run_id in the properties of the run's spans: " + runSpanNames);
        JsonNode root = spans.stream().filter(envelope -> name(envelope).equals("agent.run")).findFirst()
                .orElseThrow();
        assertEquals("false", root.path("data").path("baseData").path("success").asText(), "the run failed");
        assertTrue(receiver.spansOf(traceId).stream().anyMatch(envelope -> envelope.path("data").path("baseType")
                .asText().equals("RequestData") && name(envelope).equals("POST /runs")), "the request that ran it");
        for (JsonNode envelope : spans) {
            assertEquals(ApplicationInsightsReceiverResource.INSTRUMENTATION_KEY, envelope.path("iKey").asText());
            assertEquals("harness-under-test", envelope.path("tags").path("ai.cloud.role").asText());
        }
        ApplicationInsightsReceiver.Request request = receiver.requests().getFirst();
        assertEquals(ApplicationInsightsReceiver.TRACK_PATH, request.path());
        assertEquals("gzip", request.headers().get("content-encoding"));

        // Beside the OTLP export, not instead of it.
        OtlpReceiver otlp = OtlpReceiverResource.receiver();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertTrue(otlp.spans().stream()
                .anyMatch(span -> span.name().equals("agent.run") && traceId.equals(span.traceId())),
                "the run's root at the OTLP receiver"));
    }

    @Test
    @Order(2)
    void noKeyAndNoSignedLinkGoesToApplicationInsights() {
        String token = ConversationRouter.token();
        ConversationRouter.installOn(FakeModelResource.server()).route(token, request -> Reply.message("saved " + token));
        String link = given().contentType("application/json")
                .body("{\"message\":\"save " + token + "\",\"save_artifact\":true}").post("/runs")
                .then().statusCode(200).extract().path("artifact_url");
        String signature = link.substring(link.indexOf("X-Harness-Signature=") + "X-Harness-Signature=".length());
        String path = link.substring(0, link.indexOf('?'));
        given().urlEncodingEnabled(false).get(link).then().statusCode(200);

        ApplicationInsightsReceiver receiver = ApplicationInsightsReceiverResource.receiver();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertTrue(receiver.requests().stream()
                .anyMatch(request -> request.body().contains(path) && request.body().contains("[redacted]")),
                "the download's request telemetry, its query redacted"));
        for (ApplicationInsightsReceiver.Request request : receiver.requests()) {
            assertFalse(request.body().contains(signature), "the link's signature went to Application Insights");
            assertFalse(request.body().contains("X-Harness-Signature="), "a signature parameter was exported");
            assertFalse(request.body().contains(FakeModelResource.TEST_MODEL_KEY), "the model key was exported");
            assertFalse(request.headers().values().stream().anyMatch(v -> v.contains(FakeModelResource.TEST_MODEL_KEY)),
                    "the model key was sent as a header");
        }
    }

    /** After the exports above, with the Azure SDK's loggers at DEBUG (the exporter then logs every span it sends). */
    @Test
    @Order(3)
    void theConnectionStringIsNeverLogged() throws java.io.IOException {
        String log = java.nio.file.Files.readString(java.nio.file.Path.of(WithApplicationInsights.LOG_FILE));
        assertTrue(log.contains("exporting traces to Application Insights at 127.0.0.1"), "the start-up line");
        assertFalse(log.contains(ApplicationInsightsReceiverResource.INSTRUMENTATION_KEY), "the key in the log");
        assertFalse(log.contains("InstrumentationKey="), "the connection string in the log");
    }
}
