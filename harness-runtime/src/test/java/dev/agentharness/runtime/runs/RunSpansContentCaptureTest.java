package dev.agentharness.runtime.runs;

import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WithFakeModel;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true, spans carry what was said — never a signature. */
@QuarkusTest
@TestProfile(RunSpansContentCaptureTest.WithContentCapture.class)
class RunSpansContentCaptureTest {

    public static class WithContentCapture extends WithFakeModel {
        @Override
        public Map<String, String> getConfigOverrides() {
            // The variable itself: application.properties reads it into harness.genai.capture-message-content.
            return Map.of("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true");
        }
    }

    private static final AttributeKey<String> RUN_ID = AttributeKey.stringKey("run_id");

    @Inject
    InMemorySpanExporter exported;

    @Test
    void theMessageReplyAndToolCallsAreOnTheSpansWithSignedLinksRedacted() {
        FakeModelServer model = FakeModelResource.server();
        ConversationRouter router = ConversationRouter.installOn(model);
        String token = ConversationRouter.token();
        router.route(token, FakeModelServer.mayaDemo());
        String message = "Hi, ACME-1002 here (" + token + "): see https://files.example/inv.pdf?"
                + "X-Amz-Signature=0123abcd&X-Amz-Credential=AKIAEXAMPLE";

        String runId = given().contentType("application/json")
                .body("{\"message\":\"" + message + "\"}").post("/runs")
                .then().statusCode(200).extract().path("run_id");

        await().atMost(Duration.ofSeconds(20)).until(() -> exported.getFinishedSpanItems().stream()
                .anyMatch(span -> span.getName().equals("agent.run") && runId.equals(span.getAttributes().get(RUN_ID))));
        List<SpanData> spans = exported.getFinishedSpanItems().stream()
                .filter(span -> runId.equals(span.getAttributes().get(RUN_ID))).toList();
        SpanData root = spans.stream().filter(span -> span.getName().equals("agent.run")).findFirst().orElseThrow();
        String input = root.getAttributes().get(AttributeKey.stringKey("input.value"));
        assertEquals("Hi, ACME-1002 here (" + token + "): see https://files.example/inv.pdf?[redacted]", input);
        assertFalse(root.getAttributes().get(AttributeKey.stringKey("output.value")).isBlank());
        SpanData lookup = spans.stream().filter(span -> span.getName().equals("execute_tool lookup_account"))
                .findFirst().orElseThrow();
        assertTrue(lookup.getAttributes().get(AttributeKey.stringKey("gen_ai.tool.call.arguments")).contains("ACME"),
                lookup.getAttributes().toString());
        assertTrue(lookup.getAttributes().get(AttributeKey.stringKey("gen_ai.tool.call.result")).contains("ACME-1002"),
                lookup.getAttributes().toString());
        for (SpanData span : spans) {
            String everything = span.getAttributes() + " " + span.getStatus();
            assertFalse(everything.contains("0123abcd") || everything.contains("AKIAEXAMPLE"), span.getName());
            assertFalse(everything.contains(FakeModelResource.TEST_MODEL_KEY), span.getName());
        }
    }
}
