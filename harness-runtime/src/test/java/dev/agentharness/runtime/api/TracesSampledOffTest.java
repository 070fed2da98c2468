package dev.agentharness.runtime.api;

import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.OtlpReceiverResource;
import dev.agentharness.runtime.testing.WithTracesSampledOff;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OTEL_TRACES_SAMPLER=always_off: with a collector configured, nothing is exported; runs still get trace ids. */
@QuarkusTest
@TestProfile(WithTracesSampledOff.class)
class TracesSampledOffTest {

    @Inject
    OpenTelemetry openTelemetry;

    @Test
    void alwaysOffExportsNothing() {
        String token = ConversationRouter.token();
        ConversationRouter.installOn(FakeModelResource.server()).route(token, request -> Reply.message("quiet"));
        given().contentType("application/json").body("{\"message\":\"hush " + token + "\"}").post("/runs")
                .then().statusCode(200).body("status", org.hamcrest.Matchers.equalTo("succeeded"))
                .body("trace_id", notNullValue());
        given().get("/health").then().statusCode(200);

        // Everything ended is handed to the exporter now, not in the next batch.
        assertTrue(((OpenTelemetrySdk) openTelemetry).getSdkTracerProvider().forceFlush()
                .join(10, TimeUnit.SECONDS).isSuccess());
        assertEquals(0, OtlpReceiverResource.receiver().requests().size(), "nothing reached the collector");
    }
}
