package dev.agentharness.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.RecordedRequest;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.fakes.model.ResponseEnvelope;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResponsesApiClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-test-SECRET123";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static Vertx vertx;
    private FakeModelServer fake;
    private final List<ResponsesApiClient> clients = new ArrayList<>();

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @BeforeEach
    void startFake() {
        fake = new FakeModelServer().start(0);
    }

    @AfterEach
    void stopFake() {
        clients.forEach(ResponsesApiClient::close);
        fake.close();
    }

    private ResponsesApiClient client(int maxRetries, Duration timeout) {
        return track(new ResponsesApiClient(ModelConfig.openAi(KEY, fake.baseUrl(), "gpt-default", maxRetries, timeout), vertx));
    }

    private ResponsesApiClient track(ResponsesApiClient client) {
        clients.add(client);
        return client;
    }

    private static ObjectNode lookupSchema() {
        try {
            return (ObjectNode) JSON.readTree("""
                    {"type":"object","additionalProperties":false,"required":["account_id"],
                     "properties":{"account_id":{"type":"string","description":"e.g. ACME-1001"}}}""");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static final ToolSpec LOOKUP = new ToolSpec("lookup_account", "Find an account by id.", lookupSchema(), true);

    private static ModelRequest request(String model, List<ConversationItem> input) {
        return new ModelRequest(model, "You are Maya, a support agent.", input, List.of(LOOKUP), null, Map.of("run_id", "run-1"));
    }

    @Test
    void a_message_reply_becomes_an_assistant_message() {
        fake.enqueue(Reply.message("Hello! How can I help?"));

        ModelResponse response = client(0, TIMEOUT).respond(request("gpt-test", List.of(new ConversationItem.UserMessage("hi"))));

        assertTrue(response.responseId().startsWith("resp_"));
        assertEquals(List.of(new ConversationItem.AssistantMessage("Hello! How can I help?")), response.output());
        RecordedRequest sent = fake.requests().getFirst();
        assertEquals("gpt-test", sent.model());
        assertEquals("Bearer " + KEY, sent.header("Authorization").orElseThrow());
        assertFalse(sent.body().path("store").asBoolean(true), "the harness keeps state itself: store=false");
        assertEquals("run-1", sent.body().path("metadata").path("run_id").asText());
    }

    @Test
    void many_calls_at_once_each_get_their_own_whole_answer_over_shared_connections() throws Exception {
        fake.responder(request -> Reply.message("answer to " + request.inputItems().get(0).path("content").asText()));
        ResponsesApiClient client = client(0, TIMEOUT);

        List<java.util.concurrent.Future<ModelResponse>> answers = new ArrayList<>();
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 300; i++) {
                String question = "question " + i;
                answers.add(threads.submit(() -> client.respond(
                        request("m", List.of(new ConversationItem.UserMessage(question))))));
            }
        }

        for (int i = 0; i < answers.size(); i++) {
            assertEquals(List.of(new ConversationItem.AssistantMessage("answer to question " + i)),
                    answers.get(i).get().output());
        }
    }

    @Test
    void the_default_model_is_used_when_the_request_names_none() {
        fake.enqueue(Reply.message("ok"));

        client(0, TIMEOUT).respond(request(null, List.of(new ConversationItem.UserMessage("hi"))));

        assertEquals("gpt-default", fake.requests().getFirst().model());
    }

    @Test
    void a_function_call_round_trip_sends_the_call_and_its_output_with_the_same_call_id() throws Exception {
        ResponsesApiClient client = client(0, TIMEOUT);
        fake.enqueue(Reply.functionCall("call_42", "lookup_account", "{\"account_id\":\"ACME-7\"}"),
                Reply.message("Your account is active."));
        List<ConversationItem> conversation = new ArrayList<>(List.of(new ConversationItem.UserMessage("Check ACME-7")));

        ModelResponse first = client.respond(request("gpt-test", conversation));
        assertEquals(List.of(new ConversationItem.FunctionCall("call_42", "lookup_account", "{\"account_id\":\"ACME-7\"}")),
                first.output());
        conversation.addAll(first.output());
        conversation.add(new ConversationItem.FunctionCallOutput("call_42", "{\"name\":\"Ada\",\"status\":\"active\"}"));
        ModelResponse second = client.respond(request("gpt-test", conversation));

        assertEquals(List.of(new ConversationItem.AssistantMessage("Your account is active.")), second.output());
        RecordedRequest sent = fake.requests().get(1);
        assertEquals("You are Maya, a support agent.", sent.instructions());
        JsonNode call = sent.functionCalls().getFirst();
        assertEquals("call_42", call.path("call_id").asText());
        assertEquals("lookup_account", call.path("name").asText());
        assertEquals("{\"account_id\":\"ACME-7\"}", call.path("arguments").asText());
        assertEquals(Map.of("call_42", "{\"name\":\"Ada\",\"status\":\"active\"}"), sent.functionCallOutputs());
        assertEquals("Check ACME-7", sent.latestUserMessage());
        JsonNode tool = sent.tools().getFirst();
        assertEquals("function", tool.path("type").asText());
        assertEquals("lookup_account", tool.path("name").asText());
        assertEquals("Find an account by id.", tool.path("description").asText());
        assertTrue(tool.path("strict").asBoolean(false));
        assertEquals(lookupSchema(), tool.path("parameters"));
    }

    @Test
    void usage_tokens_are_mapped_from_the_response() {
        fake.enqueue(Reply.items(Reply.message("twelve chars"), Reply.functionCall("c1", "lookup_account", "{\"account_id\":\"A\"}")));

        ModelResponse response = client(0, TIMEOUT).respond(request("gpt-test", List.of(new ConversationItem.UserMessage("hi"))));

        JsonNode sentBody = fake.requests().getFirst().body();
        assertEquals(ResponseEnvelope.inputTokens(sentBody), response.inputTokens());
        assertEquals(ResponseEnvelope.tokens("twelve chars") + ResponseEnvelope.tokens("{\"account_id\":\"A\"}"),
                response.outputTokens());
        assertEquals(2, response.output().size());
    }

    @Test
    void model_settings_are_sent_only_when_set() {
        fake.enqueue(Reply.message("a"), Reply.message("b"));
        ResponsesApiClient client = client(0, TIMEOUT);
        List<ConversationItem> input = List.of(new ConversationItem.UserMessage("hi"));

        client.respond(new ModelRequest("m", null, input, List.of(), new ModelSettings(0.2, 0.9, 256, false), null));
        client.respond(new ModelRequest("m", null, input, List.of(), null, null));

        JsonNode withSettings = fake.requests().get(0).body();
        assertEquals(0.2, withSettings.path("temperature").asDouble());
        assertEquals(0.9, withSettings.path("top_p").asDouble());
        assertEquals(256, withSettings.path("max_output_tokens").asInt());
        assertFalse(withSettings.path("parallel_tool_calls").asBoolean(true));
        JsonNode withoutSettings = fake.requests().get(1).body();
        for (String field : List.of("temperature", "top_p", "max_output_tokens", "parallel_tool_calls", "instructions", "tools")) {
            assertFalse(withoutSettings.has(field), field + " should be left to the provider default");
        }
    }

    @Nested
    class Retries {

        @Test
        void a_429_with_retry_after_is_retried_after_the_requested_delay() {
            fake.enqueue(Reply.error(429, Map.of("Retry-After", "1"), "{\"error\":{\"message\":\"Rate limit reached\"}}"),
                    Reply.message("finally"));

            ModelResponse response = client(3, TIMEOUT).respond(request("m", List.of(new ConversationItem.UserMessage("hi"))));

            assertEquals(List.of(new ConversationItem.AssistantMessage("finally")), response.output());
            List<RecordedRequest> requests = fake.requests();
            assertEquals(2, requests.size());
            Duration gap = Duration.between(requests.get(0).receivedAt(), requests.get(1).receivedAt());
            assertTrue(gap.compareTo(Duration.ofSeconds(1)) >= 0, "waited " + gap);
        }

        @Test
        void persistent_500s_exhaust_the_retries_and_fail_as_unavailable() {
            int retries = 2;
            for (int i = 0; i <= retries; i++) {
                fake.enqueue(Reply.error(500, "The server had an error while processing your request."));
            }

            ModelException failure = assertThrows(ModelException.class,
                    () -> client(retries, TIMEOUT).respond(request("m", List.of(new ConversationItem.UserMessage("hi")))));

            assertEquals(ModelException.Kind.UNAVAILABLE, failure.kind());
            assertEquals(retries + 1, fake.requests().size());
            assertTrue(failure.getMessage().contains("HTTP 500"), failure.getMessage());
        }

        @Test
        void a_400_is_rejected_at_once_without_retrying() {
            fake.enqueue(Reply.error(400, "Invalid 'input[1]'"));

            ModelException failure = assertThrows(ModelException.class,
                    () -> client(3, TIMEOUT).respond(request("m", List.of(new ConversationItem.UserMessage("hi")))));

            assertEquals(ModelException.Kind.REJECTED, failure.kind());
            assertEquals(1, fake.requests().size());
            assertTrue(failure.getMessage().contains("Invalid 'input[1]'"), failure.getMessage());
        }

        @Test
        void a_slow_model_fails_with_timeout() {
            fake.latency(Duration.ofSeconds(3)).responder(request -> Reply.message("too late"));

            ModelException failure = assertThrows(ModelException.class,
                    () -> client(0, Duration.ofMillis(500)).respond(request("m", List.of(new ConversationItem.UserMessage("hi")))));

            assertEquals(ModelException.Kind.TIMEOUT, failure.kind());
            assertEquals(1, fake.requests().size());
        }
    }

    @Nested
    class Azure {

        @Test
        void azure_calls_the_v1_path_with_the_api_key_header_and_the_deployment_as_model() {
            fake.enqueue(Reply.message("hello from azure"));
            ResponsesApiClient client = track(new ResponsesApiClient(
                    ModelConfig.azure(fake.rootUrl() + "/", "azure-key-1", "maya-deployment", 0, TIMEOUT), vertx));

            ModelResponse response = client.respond(request("gpt-ignored", List.of(new ConversationItem.UserMessage("hi"))));

            assertEquals(List.of(new ConversationItem.AssistantMessage("hello from azure")), response.output());
            RecordedRequest sent = fake.requests().getFirst();
            assertEquals("/openai/v1/responses", sent.path());
            assertEquals("maya-deployment", sent.model());
            assertEquals("azure-key-1", sent.header("api-key").orElseThrow());
        }

        @Test
        void azure_with_auth_key_is_not_configured_until_key_and_deployment_are_set() {
            ResponsesApiClient noKey = track(new ResponsesApiClient(new ModelConfig(null, null, null,
                    "https://x.openai.azure.com", null, "d", null, 0, TIMEOUT, 4, "key"), vertx));
            ResponsesApiClient noDeployment = track(new ResponsesApiClient(ModelConfig.azure("https://x.openai.azure.com", "k", null, 0, TIMEOUT), vertx));

            assertFalse(noKey.configured());
            assertEquals("AZURE_OPENAI_API_KEY", noKey.missingConfiguration());
            assertFalse(noDeployment.configured());
            assertEquals("AZURE_OPENAI_DEPLOYMENT", noDeployment.missingConfiguration());
        }

        @Test
        void azure_auth_is_the_key_when_one_is_set_else_entra_id_unless_azure_openai_auth_says_otherwise() {
            String endpoint = "https://x.openai.azure.com";
            assertFalse(ModelConfig.azure(endpoint, "k", "d", 0, TIMEOUT).azureEntra());
            assertTrue(ModelConfig.azure(endpoint, null, "d", 0, TIMEOUT).azureEntra());
            assertTrue(new ModelConfig(null, null, null, endpoint, "k", "d", null, 0, TIMEOUT, 4, "ENTRA ").azureEntra());
            assertFalse(new ModelConfig(null, null, null, endpoint, null, "d", null, 0, TIMEOUT, 4, "key").azureEntra());
            assertFalse(ModelConfig.openAi("k", null, null, 0, TIMEOUT).azureEntra(), "Entra ID is for Azure OpenAI only");
            assertTrue(ModelConfig.azureEntra(endpoint, "d", 0, TIMEOUT).missingVariable().isEmpty(), "no key needed");
            IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () ->
                    new ModelConfig(null, null, null, endpoint, null, "d", null, 0, TIMEOUT, 4, "msi"));
            assertEquals("AZURE_OPENAI_AUTH must be 'entra' or 'key', was 'msi'", wrong.getMessage());
            String printed = new ModelConfig(null, null, null, endpoint, "azure-secret-key", "d", null, 0, TIMEOUT, 4,
                    "entra").toString();
            assertTrue(printed.contains("azureAuth=entra"), printed);
            assertFalse(printed.contains("azure-secret-key"), printed);
        }
    }

    @Nested
    class Configuration {

        @Test
        void without_a_key_the_client_is_not_configured_and_refuses_to_call() {
            ResponsesApiClient client = track(new ResponsesApiClient(ModelConfig.openAi(null, fake.baseUrl(), null, 3, TIMEOUT), vertx));

            assertFalse(client.configured());
            assertEquals("OPENAI_API_KEY", client.missingConfiguration());
            ModelException failure = assertThrows(ModelException.class,
                    () -> client.respond(request("m", List.of(new ConversationItem.UserMessage("hi")))));
            assertEquals(ModelException.Kind.NOT_CONFIGURED, failure.kind());
            assertTrue(failure.getMessage().startsWith("set OPENAI_API_KEY"), failure.getMessage());
            assertTrue(fake.requests().isEmpty());
        }

        @Test
        void with_a_key_the_client_is_configured() {
            ResponsesApiClient client = client(0, TIMEOUT);

            assertTrue(client.configured());
            assertEquals("", client.missingConfiguration());
        }
    }

    @Nested
    class Secrecy {

        private final List<String> logged = Collections.synchronizedList(new ArrayList<>());
        private final Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                StringWriter text = new StringWriter();
                text.append(record.getLoggerName()).append(' ').append(String.valueOf(record.getMessage()))
                        .append(' ').append(Arrays.toString(record.getParameters()));
                if (record.getThrown() != null) {
                    record.getThrown().printStackTrace(new PrintWriter(text));
                }
                logged.add(text.toString());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };

        @BeforeEach
        void captureLogs() {
            capture.setLevel(Level.ALL);
            Logger.getLogger("").addHandler(capture);
        }

        @AfterEach
        void releaseLogs() {
            Logger.getLogger("").removeHandler(capture);
        }

        private void assertNoKeyAnywhere(ModelException failure) {
            StringWriter trace = new StringWriter();
            failure.printStackTrace(new PrintWriter(trace));
            assertFalse(trace.toString().contains(KEY), trace.toString());
            assertFalse(logged.isEmpty(), "the failure is logged");
            logged.forEach(line -> assertFalse(line.contains(KEY), line));
        }

        @Test
        void a_401_that_quotes_the_key_never_leaks_it() {
            fake.enqueue(Reply.error(401, "Incorrect API key provided: " + KEY + ". You can find your API key at …"));

            ModelException failure = assertThrows(ModelException.class,
                    () -> client(0, TIMEOUT).respond(request("m", List.of(new ConversationItem.UserMessage("hi")))));

            assertEquals(ModelException.Kind.REJECTED, failure.kind());
            assertTrue(failure.getMessage().contains("HTTP 401"), failure.getMessage());
            assertNoKeyAnywhere(failure);
        }

        @Test
        void a_500_that_quotes_the_key_never_leaks_it() {
            fake.enqueue(Reply.error(500, "boom for " + KEY), Reply.error(500, "boom for " + KEY));

            ModelException failure = assertThrows(ModelException.class,
                    () -> client(1, TIMEOUT).respond(request("m", List.of(new ConversationItem.UserMessage("hi")))));

            assertEquals(ModelException.Kind.UNAVAILABLE, failure.kind());
            assertNoKeyAnywhere(failure);
        }

        @Test
        void the_config_never_prints_its_keys() {
            String printed = ModelConfig.openAi(KEY, null, null, 3, TIMEOUT) + " "
                    + ModelConfig.azure("https://x.openai.azure.com", KEY, "d", 3, TIMEOUT);

            assertFalse(printed.contains(KEY), printed);
        }
    }
}
