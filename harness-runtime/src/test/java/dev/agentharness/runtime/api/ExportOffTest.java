package dev.agentharness.runtime.api;

import dev.agentharness.runtime.testing.WithFakeModel;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.arc.All;
import io.quarkus.opentelemetry.runtime.exporter.otlp.tracing.LateBoundSpanProcessor;
import io.quarkus.opentelemetry.runtime.exporter.otlp.tracing.RemoveableLateBoundSpanProcessor;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No OTEL_EXPORTER_OTLP_ENDPOINT, no PHOENIX_COLLECTOR_ENDPOINT: Quarkus builds no exporter (its processor is the
 * removable placeholder, nothing retries localhost:4317), spans still give runs their trace ids, and runs carry no
 * Phoenix decision.
 */
@QuarkusTest
@TestProfile(WithFakeModel.class)
class ExportOffTest {

    @Inject
    @All
    List<SpanProcessor> processors;

    @Inject
    Instance<SpanExporter> exporters;

    @Test
    void noEndpointBuildsNoExporter() {
        assertTrue(exporters.isResolvable(), "the do-nothing exporter that keeps Quarkus from building its own");
        assertTrue(processors.stream().filter(p -> p instanceof LateBoundSpanProcessor)
                .allMatch(p -> p instanceof RemoveableLateBoundSpanProcessor), processors.toString());
    }

    @Test
    void runsStillHaveTraceIdsAndNoPhoenixDecision() {
        // The same runs OtlpGrpcAndPhoenixExportTest times against a stalled Phoenix: the baseline, printed.
        long[] millis = new long[20];
        String runId = null;
        for (int i = 0; i < millis.length; i++) {
            long start = System.nanoTime();
            runId = OtlpGrpcAndPhoenixExportTest.failingRun();
            millis[i] = (System.nanoTime() - start) / 1_000_000;
        }
        System.out.println("PHOENIX-LATENCY phoenix off: " + OtlpGrpcAndPhoenixExportTest.summary(millis));
        given().get("/runs/" + runId).then().statusCode(200).body("trace_id", notNullValue())
                .body("status", org.hamcrest.Matchers.equalTo("failed"))
                .body("$", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("sampled_to_phoenix")));
    }
}
