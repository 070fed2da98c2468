package dev.agentharness.runtime.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.OtlpReceiverResource;
import dev.agentharness.runtime.testing.WithTracesSampledOff;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ExtractableResponse;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OTEL_TRACES_SAMPLER=always_off: with a collector configured, nothing is exported; runs still get trace ids, and JSON
 * log lines still lead to them.
 */
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

    @Test
    void everyJsonLogLineOfARunCarriesItsRunTraceAndSpanIds() throws Exception {
        String token = ConversationRouter.token();
        ConversationRouter.installOn(FakeModelResource.server()).route(token, request -> Reply.message("logged"));
        ExtractableResponse<?> run = given().contentType("application/json")
                .body("{\"message\":\"log me " + token + "\"}").post("/runs").then().statusCode(200).extract();
        String runId = run.path("run_id");
        String traceId = run.path("trace_id");

        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(WithTracesSampledOff.JSON_LOG_FILE))) {
            lines.add(json.readTree(line)); // every line is one JSON object
        }
        List<JsonNode> ofTheRun = lines.stream()
                .filter(line -> line.path("threadName").asText().equals("run-" + runId)
                        || line.path("message").asText().startsWith("run accepted") && runId.equals(
                                line.path("mdc").path("run_id").asText()))
                .toList();
        assertTrue(ofTheRun.size() >= 2, "the run's accepted line and its executor's lines: " + ofTheRun);
        for (JsonNode line : ofTheRun) {
            JsonNode mdc = line.path("mdc");
            assertEquals(runId, mdc.path("run_id").asText(), line.toString());
            assertEquals(traceId, mdc.path("trace_id").asText(), line.toString());
            assertTrue(mdc.path("span_id").asText().matches("[0-9a-f]{16}"), line.toString());
        }
    }
}
