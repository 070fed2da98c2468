package dev.agentharness.runtime.api;

import dev.agentharness.runtime.testing.OtlpReceiverResource;
import dev.agentharness.runtime.testing.WithApiKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
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
}
