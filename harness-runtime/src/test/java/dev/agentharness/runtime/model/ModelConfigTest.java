package dev.agentharness.runtime.model;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigTest {

    private static ModelConfig configOf(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build();
        return ModelConfig.from(config);
    }

    @Test
    void with_nothing_set_it_points_at_openai_with_the_documented_defaults_and_asks_for_a_key() {
        ModelConfig config = configOf(Map.of());

        assertEquals("https://api.openai.com/v1", config.baseUrl());
        assertEquals("gpt-5.4-mini", config.defaultModel());
        assertEquals(3, config.maxRetries());
        assertEquals(Duration.ofSeconds(60), config.timeout());
        assertFalse(config.azure());
        assertEquals("OPENAI_API_KEY", config.missingVariable().orElseThrow());
    }

    @Test
    void empty_values_count_as_unset() {
        ModelConfig config = configOf(Map.of("harness.model.api-key", "", "harness.model.azure.endpoint", " "));

        assertFalse(config.azure());
        assertEquals("OPENAI_API_KEY", config.missingVariable().orElseThrow());
    }

    @Test
    void reads_every_openai_property() {
        ModelConfig config = configOf(Map.of(
                "harness.model.api-key", "sk-1",
                "harness.model.base-url", "http://127.0.0.1:8089/v1",
                "harness.model.default", "gpt-test",
                "harness.model.max-retries", "5",
                "harness.model.timeout-seconds", "7"));

        assertEquals("sk-1", config.apiKey());
        assertEquals("http://127.0.0.1:8089/v1", config.baseUrl());
        assertEquals("gpt-test", config.defaultModel());
        assertEquals(5, config.maxRetries());
        assertEquals(Duration.ofSeconds(7), config.timeout());
        assertTrue(config.missingVariable().isEmpty());
    }

    @Test
    void azure_wins_when_its_endpoint_is_set() {
        ModelConfig config = configOf(Map.of(
                "harness.model.api-key", "sk-1",
                "harness.model.azure.endpoint", "https://acme.openai.azure.com",
                "harness.model.azure.api-key", "az-1",
                "harness.model.azure.deployment", "maya-prod",
                "harness.model.azure.api-version", "2024-10-21"));

        assertTrue(config.azure());
        assertEquals("maya-prod", config.azureDeployment());
        assertEquals("2024-10-21", config.azureApiVersion());
        assertTrue(config.missingVariable().isEmpty());
    }

    @Test
    void the_azure_base_url_is_the_v1_api_of_the_endpoint() {
        assertEquals("https://acme.openai.azure.com/openai/v1", ResponsesApiClient.azureBaseUrl("https://acme.openai.azure.com/"));
        assertEquals("https://acme.openai.azure.com/openai/v1", ResponsesApiClient.azureBaseUrl("https://acme.openai.azure.com/openai/v1"));
    }

    @Test
    void rejects_nonsensical_retry_and_timeout_values() {
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.openAi("k", null, null, -1, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.openAi("k", null, null, 1, Duration.ZERO));
    }
}
