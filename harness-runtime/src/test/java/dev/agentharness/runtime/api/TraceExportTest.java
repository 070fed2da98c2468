package dev.agentharness.runtime.api;

import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.OtlpReceiverResource;
import dev.agentharness.runtime.testing.WithApiKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With OTEL_EXPORTER_OTLP_ENDPOINT set, spans leave the harness as OTLP/HTTP protobuf. */
@QuarkusTest
@TestProfile(WithApiKeys.class)
class TraceExportTest {

    @Test
    void spansAreExportedToTheConfiguredCollector() {
        given().get("/health").then().statusCode(200);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertTrue(
                OtlpReceiverResource.exports().stream().anyMatch(e -> e.path().equals("/v1/traces")
                        && "application/x-protobuf".equals(e.contentType()) && e.bytes() > 0),
                OtlpReceiverResource.exports().toString()));
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

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertTrue(OtlpReceiverResource.exports().stream()
                .anyMatch(e -> e.text().contains(path) && e.text().contains("[redacted]")),
                "the download's server span, with its query redacted"));
        for (OtlpReceiverResource.Export export : OtlpReceiverResource.exports()) {
            assertFalse(export.text().contains(signature), "signature in an exported span");
            assertFalse(export.text().contains("X-Harness-Signature="), "signature parameter in an exported span");
        }
    }
}
