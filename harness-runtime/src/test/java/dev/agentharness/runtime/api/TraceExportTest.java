package dev.agentharness.runtime.api;

import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.OtlpReceiver;
import dev.agentharness.runtime.testing.OtlpReceiverResource;
import dev.agentharness.runtime.testing.WithApiKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, Quarkus's exporter sends spans to
 * {@code <endpoint>/v1/traces} as protobuf with OTEL_EXPORTER_OTLP_HEADERS (percent-decoded); the receiver decodes
 * them with the real OTLP messages.
 */
@QuarkusTest
@TestProfile(WithApiKeys.class)
class TraceExportTest {

    @Test
    void spansAreExportedOverHttpProtobufWithTheConfiguredHeaders() {
        String token = ConversationRouter.token();
        ConversationRouter.installOn(FakeModelResource.server()).route(token, request -> Reply.message("ok " + token));
        String runId = given().auth().oauth2(WithApiKeys.BOB_KEY).contentType("application/json")
                .body("{\"message\":\"export " + token + "\"}").post("/runs")
                .then().statusCode(200).extract().path("run_id");

        OtlpReceiver receiver = OtlpReceiverResource.receiver();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertTrue(receiver.spans().stream()
                .anyMatch(span -> runId.equals(span.attribute("run_id")) && span.name().equals("agent.run")),
                "the run's span at the receiver: " + receiver.spans().stream().map(OtlpReceiver.ReceivedSpan::name)
                        .toList()));
        OtlpReceiver.ReceivedSpan run = receiver.spans().stream()
                .filter(span -> runId.equals(span.attribute("run_id")) && span.name().equals("agent.run"))
                .findFirst().orElseThrow();
        assertEquals("http", run.request().transport());
        assertEquals("/v1/traces", run.request().path());
        assertEquals("application/x-protobuf", run.request().headers().get("content-type"));
        assertEquals("collector key,1", run.request().headers().get(WithApiKeys.COLLECTOR_HEADER));
        assertEquals("agent-harness", run.resource().get("service.name"));
        assertEquals(32, run.traceId().length());
        assertEquals(16, run.spanId().length());
    }

    @Test
    void aSignedLinkDownloadIsTracedWithoutItsSignature() {
        ConversationRouter router = ConversationRouter.installOn(FakeModelResource.server());
        String token = ConversationRouter.token();
        router.route(token, request -> Reply.message("traced " + token));
        String link = given().auth().oauth2(WithApiKeys.BOB_KEY).contentType("application/json")
                .body("{\"message\":\"trace " + token + "\",\"save_artifact\":true}").post("/runs")
                .then().statusCode(200).extract().path("artifact_url");
        String signature = link.substring(link.indexOf("X-Harness-Signature=") + "X-Harness-Signature=".length());
        String path = link.substring(0, link.indexOf('?'));

        given().urlEncodingEnabled(false).get(link).then().statusCode(200);

        OtlpReceiver receiver = OtlpReceiverResource.receiver();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertTrue(receiver.spans().stream()
                .anyMatch(span -> span.attributes().values().stream().anyMatch(v -> String.valueOf(v).contains(path))
                        && span.attributes().values().stream().anyMatch(v -> String.valueOf(v).contains("[redacted]"))),
                "the download's server span, with its query redacted"));
        for (OtlpReceiver.ReceivedSpan span : receiver.spans()) {
            for (Object value : span.attributes().values()) {
                assertFalse(String.valueOf(value).contains(signature), "signature in " + span.name());
                assertFalse(String.valueOf(value).contains("X-Harness-Signature="), "signature parameter in " + span.name());
            }
        }
    }
}
