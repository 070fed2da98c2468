package dev.agentharness.runtime.model;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.Reply;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fake's answers must be what the real API sends: the official client, with strict response
 * validation on, accepts every field of them.
 */
class FakeModelServerWireTest {

    @Test
    void the_official_client_validates_a_fake_response_with_a_message_and_a_function_call() {
        try (FakeModelServer fake = new FakeModelServer().start(0)) {
            fake.enqueue(Reply.items(Reply.message("hi"), Reply.functionCall("call_1", "lookup_account", "{\"account_id\":\"ACME-1\"}")));
            OpenAIClient client = OpenAIOkHttpClient.builder()
                    .apiKey("sk-test")
                    .baseUrl(fake.baseUrl())
                    .maxRetries(0)
                    .responseValidation(true)
                    .build();
            try {
                Response response = client.responses().create(ResponseCreateParams.builder()
                        .model("gpt-test").instructions("be brief").input("hello").build());

                assertDoesNotThrow(() -> response.validate());
                assertEquals("hi", response.output().get(0).asMessage().content().get(0).asOutputText().text());
                assertEquals("call_1", response.output().get(1).asFunctionCall().callId());
                assertEquals(response.usage().orElseThrow().inputTokens() + response.usage().orElseThrow().outputTokens(),
                        response.usage().orElseThrow().totalTokens());
            } finally {
                client.close();
            }
        }
    }

    @Test
    void a_scripted_usage_reaches_the_official_client_as_the_api_reports_it() {
        try (FakeModelServer fake = new FakeModelServer().start(0)) {
            fake.enqueue(Reply.message("hi").withUsage(new Reply.TokenUsage(1_200, 1_000, 300, 120)));
            OpenAIClient client = OpenAIOkHttpClient.builder()
                    .apiKey("sk-test")
                    .baseUrl(fake.baseUrl())
                    .maxRetries(0)
                    .responseValidation(true)
                    .build();
            try {
                Response response = client.responses().create(ResponseCreateParams.builder()
                        .model("gpt-test").input("hello").build());

                assertDoesNotThrow(() -> response.validate());
                var usage = response.usage().orElseThrow();
                assertEquals(1_200, usage.inputTokens());
                assertEquals(1_000, usage.inputTokensDetails().cachedTokens());
                assertEquals(300, usage.outputTokens());
                assertEquals(120, usage.outputTokensDetails().reasoningTokens());
                assertEquals(1_500, usage.totalTokens());
            } finally {
                client.close();
            }
        }
    }
}
