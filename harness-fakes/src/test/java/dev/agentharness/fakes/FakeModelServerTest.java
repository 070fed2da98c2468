package dev.agentharness.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.fakes.model.RecordedRequest;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.fakes.model.ResponseEnvelope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FakeModelServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MINIMAL = """
            {"model":"gpt-test","input":"hello"}""";

    private final HttpClient http = HttpClient.newHttpClient();
    private FakeModelServer fake;

    @BeforeEach
    void start() {
        fake = new FakeModelServer().start(0);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fake.rootUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String body) throws Exception {
        return post("/v1/responses", body, "Authorization", "Bearer sk-test");
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    @Test
    void binds_to_loopback_and_reports_an_openai_style_base_url() {
        assertTrue(fake.port() > 0);
        assertEquals("http://127.0.0.1:" + fake.port() + "/v1", fake.baseUrl());
    }

    @Nested
    class Scripting {

        @Test
        void answers_a_scripted_message_in_the_responses_wire_shape() throws Exception {
            fake.enqueue(Reply.message("hi there"));

            HttpResponse<String> response = post(MINIMAL);

            assertEquals(200, response.statusCode());
            JsonNode body = json(response);
            assertTrue(body.path("id").asText().startsWith("resp_"));
            assertEquals("response", body.path("object").asText());
            assertEquals("completed", body.path("status").asText());
            assertEquals("gpt-test", body.path("model").asText());
            JsonNode item = body.path("output").get(0);
            assertEquals("message", item.path("type").asText());
            assertEquals("assistant", item.path("role").asText());
            assertTrue(item.path("id").asText().startsWith("msg_"));
            assertEquals("output_text", item.path("content").get(0).path("type").asText());
            assertEquals("hi there", item.path("content").get(0).path("text").asText());
            assertTrue(item.path("content").get(0).path("annotations").isArray());
        }

        @Test
        void usage_is_a_deterministic_function_of_request_and_output() throws Exception {
            fake.enqueue(Reply.message("12345678"));

            JsonNode usage = json(post(MINIMAL)).path("usage");

            long expectedInput = ResponseEnvelope.tokens(JSON.readTree(MINIMAL).toString());
            assertEquals(expectedInput, usage.path("input_tokens").asLong());
            assertEquals(2, usage.path("output_tokens").asLong());
            assertEquals(expectedInput + 2, usage.path("total_tokens").asLong());
            assertEquals(0, usage.path("input_tokens_details").path("cached_tokens").asInt());
            assertEquals(0, usage.path("output_tokens_details").path("reasoning_tokens").asInt());
        }

        @Test
        void replies_are_consumed_in_order_and_can_hold_several_items() throws Exception {
            fake.enqueue(Reply.items(Reply.functionCall("call_a", "first", "{}"), Reply.functionCall("call_b", "second", "{\"x\":1}")),
                    Reply.message("done"));

            JsonNode first = json(post(MINIMAL)).path("output");
            JsonNode second = json(post(MINIMAL)).path("output");

            assertEquals(2, first.size());
            assertEquals("function_call", first.get(0).path("type").asText());
            assertEquals("call_a", first.get(0).path("call_id").asText());
            assertEquals("second", first.get(1).path("name").asText());
            assertEquals("{\"x\":1}", first.get(1).path("arguments").asText());
            assertTrue(first.get(1).path("id").asText().startsWith("fc_"));
            assertEquals("done", second.get(0).path("content").get(0).path("text").asText());
        }

        @Test
        void scripted_errors_are_sent_with_their_status_and_headers() throws Exception {
            fake.enqueue(Reply.error(429, Map.of("Retry-After", "1"), "{\"error\":{\"message\":\"slow down\"}}"));

            HttpResponse<String> response = post(MINIMAL);

            assertEquals(429, response.statusCode());
            assertEquals("1", response.headers().firstValue("retry-after").orElseThrow());
            assertEquals("slow down", json(response).path("error").path("message").asText());
        }

        @Test
        void an_empty_script_without_responder_answers_500_with_a_clear_message() throws Exception {
            HttpResponse<String> response = post(MINIMAL);

            assertEquals(500, response.statusCode());
            assertTrue(json(response).path("error").path("message").asText().contains("no scripted reply left"));
        }

        @Test
        void the_responder_answers_once_the_script_is_empty() throws Exception {
            fake.enqueue(Reply.message("scripted"));
            fake.responder(request -> Reply.message("echo: " + request.latestUserMessage()));

            String first = json(post(MINIMAL)).at("/output/0/content/0/text").asText();
            String second = json(post(MINIMAL)).at("/output/0/content/0/text").asText();

            assertEquals("scripted", first);
            assertEquals("echo: hello", second);
        }

        @Test
        void latency_does_not_serialise_concurrent_requests() throws Exception {
            fake.latency(Duration.ofMillis(500)).responder(request -> Reply.message("ok"));
            Instant started = Instant.now();

            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                HttpRequest request = HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/responses"))
                        .header("Authorization", "Bearer sk-test")
                        .POST(HttpRequest.BodyPublishers.ofString(MINIMAL)).build();
                calls.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> call : calls) {
                assertEquals(200, call.get().statusCode());
            }

            Duration elapsed = Duration.between(started, Instant.now());
            assertTrue(elapsed.compareTo(Duration.ofMillis(500)) >= 0, "latency applied");
            assertTrue(elapsed.compareTo(Duration.ofSeconds(5)) < 0, "50 × 500 ms served concurrently, took " + elapsed);
        }
    }

    @Nested
    class Validation {

        private void assertRejected(String body, String param) throws Exception {
            fake.responder(request -> Reply.message("should not be reached"));
            HttpResponse<String> response = post(body);
            assertEquals(400, response.statusCode(), response.body());
            JsonNode error = json(response).path("error");
            assertEquals("invalid_request_error", error.path("type").asText());
            assertEquals(param, error.path("param").isNull() ? null : error.path("param").asText());
            assertTrue(error.has("code") && error.path("code").isNull());
            assertTrue(!error.path("message").asText().isBlank());
        }

        @Test
        void rejects_a_request_without_model() throws Exception {
            assertRejected("{\"input\":\"hi\"}", "model");
        }

        @Test
        void rejects_a_message_with_an_unknown_role() throws Exception {
            assertRejected("{\"model\":\"m\",\"input\":[{\"role\":\"robot\",\"content\":\"hi\"}]}", "input[0].role");
        }

        @Test
        void rejects_an_unknown_input_item_type() throws Exception {
            assertRejected("{\"model\":\"m\",\"input\":[{\"type\":\"telepathy\"}]}", "input[0].type");
        }

        @Test
        void rejects_a_function_call_output_without_a_matching_function_call() throws Exception {
            assertRejected("""
                    {"model":"m","input":[
                      {"type":"function_call","call_id":"call_1","name":"t","arguments":"{}"},
                      {"type":"function_call_output","call_id":"call_2","output":"x"}]}""", "input");
        }

        @Test
        void rejects_a_function_call_output_that_precedes_its_call() throws Exception {
            assertRejected("""
                    {"model":"m","input":[
                      {"type":"function_call_output","call_id":"call_1","output":"x"},
                      {"type":"function_call","call_id":"call_1","name":"t","arguments":"{}"}]}""", "input");
        }

        @Test
        void rejects_tools_that_are_not_functions() throws Exception {
            assertRejected("{\"model\":\"m\",\"input\":\"hi\",\"tools\":[{\"type\":\"web_search\"}]}", "tools[0].type");
        }

        @Test
        void rejects_a_strict_tool_whose_object_allows_additional_properties() throws Exception {
            assertRejected("""
                    {"model":"m","input":"hi","tools":[{"type":"function","name":"t","strict":true,
                      "parameters":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}}]}""",
                    "tools[0].parameters");
        }

        @Test
        void rejects_a_strict_tool_that_does_not_require_every_property_even_when_nested() throws Exception {
            assertRejected("""
                    {"model":"m","input":"hi","tools":[{"type":"function","name":"t","strict":true,
                      "parameters":{"type":"object","additionalProperties":false,"required":["outer"],
                        "properties":{"outer":{"type":"object","additionalProperties":false,"required":["a"],
                          "properties":{"a":{"type":"string"},"b":{"type":["string","null"]}}}}}}]}""",
                    "tools[0].parameters");
        }

        @Test
        void accepts_a_full_valid_conversation_with_a_strict_tool_and_a_non_strict_one() throws Exception {
            fake.enqueue(Reply.message("fine"));
            HttpResponse<String> response = post("""
                    {"model":"m","instructions":"be nice","input":[
                      {"role":"developer","content":"context"},
                      {"role":"user","content":[{"type":"input_text","text":"hi"}]},
                      {"type":"message","role":"assistant","content":[{"type":"output_text","text":"hello"}]},
                      {"type":"function_call","call_id":"call_1","name":"t","arguments":"{\\"a\\":\\"x\\"}"},
                      {"type":"function_call_output","call_id":"call_1","output":"result"}],
                     "tools":[{"type":"function","name":"t","strict":true,
                       "parameters":{"type":"object","additionalProperties":false,"required":["a"],
                         "properties":{"a":{"type":["string","null"]}}}},
                      {"type":"function","name":"loose","strict":false,"parameters":{"type":"object"}}]}""");

            assertEquals(200, response.statusCode(), response.body());
        }

        @Test
        void a_missing_or_empty_key_is_401_and_an_azure_api_key_header_is_accepted() throws Exception {
            fake.responder(request -> Reply.message("ok"));

            assertEquals(401, post("/v1/responses", MINIMAL).statusCode());
            assertEquals(401, post("/v1/responses", MINIMAL, "Authorization", "Bearer ").statusCode());
            assertEquals(401, post("/v1/responses", MINIMAL, "Authorization", "Basic abc").statusCode());
            HttpResponse<String> rejected = post("/v1/responses", MINIMAL, "Authorization", "Token sk-secret-key");
            assertEquals("invalid_api_key", json(rejected).path("error").path("code").asText());
            assertTrue(!rejected.body().contains("sk-secret-key"));
            assertEquals(200, post("/openai/v1/responses", MINIMAL, "api-key", "azure-key").statusCode());
        }

        @Test
        void unknown_paths_are_404() throws Exception {
            assertEquals(404, post("/v1/chat/completions", MINIMAL, "Authorization", "Bearer k").statusCode());
        }
    }

    @Nested
    class Recording {

        @Test
        void records_every_request_with_path_headers_body_and_time() throws Exception {
            fake.enqueue(Reply.message("a"));
            Instant before = Instant.now();
            post("""
                    {"model":"m","instructions":"be brief","input":[
                      {"role":"user","content":"look up ACME-7"},
                      {"type":"function_call","call_id":"call_1","name":"lookup_account","arguments":"{}"},
                      {"type":"function_call_output","call_id":"call_1","output":"{\\"name\\":\\"Ann\\"}"}],
                     "tools":[{"type":"function","name":"lookup_account","strict":false,"parameters":{"type":"object"}},
                              {"type":"function","name":"draft_reply","strict":false,"parameters":{"type":"object"}}]}""");
            post("/v1/responses", "not json", "Authorization", "Bearer k");

            List<RecordedRequest> requests = fake.requests();
            assertEquals(2, requests.size());
            RecordedRequest first = requests.getFirst();
            assertEquals("/v1/responses", first.path());
            assertEquals("Bearer sk-test", first.header("Authorization").orElseThrow());
            assertEquals("m", first.model());
            assertEquals("be brief", first.instructions());
            assertEquals(List.of("lookup_account", "draft_reply"), first.toolNames());
            assertEquals(Map.of("call_1", "{\"name\":\"Ann\"}"), first.functionCallOutputs());
            assertEquals("{\"name\":\"Ann\"}", first.functionCallOutputFor("lookup_account").orElseThrow());
            assertEquals("look up ACME-7", first.latestUserMessage());
            assertTrue(!first.receivedAt().isBefore(before));
            assertEquals("not json", requests.get(1).body().asText());
            assertNull(requests.get(1).instructions());

            fake.clear();
            assertTrue(fake.requests().isEmpty());
        }
    }
}
