package dev.agentharness.runtime.model;

import org.eclipse.microprofile.config.Config;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Where and how to call the model. Azure OpenAI wins when {@code AZURE_OPENAI_ENDPOINT} is set;
 * otherwise the OpenAI-compatible endpoint at {@code baseUrl} is used. Keys are never printed:
 * {@link #toString()} masks them.
 *
 * <p>Azure OpenAI authenticates with its key ({@code api-key} header) or with a Microsoft Entra ID token
 * ({@code Authorization: Bearer}, from the app's managed or workload identity: {@link EntraIdTokens}), chosen by
 * {@code AZURE_OPENAI_AUTH} ({@code key} or {@code entra}); unset, the key is used when there is one, else Entra ID.
 *
 * @param azureApiVersion optional {@code api-version} query parameter for Azure; the v1 API needs none
 * @param maxRetries      retries after the first attempt on 408/409/429/5xx and I/O errors
 * @param timeout         limit for each HTTP attempt
 * @param maxConnections  most keep-alive connections to the model endpoint at once (calls beyond wait for one)
 * @param azureAuth       {@code AZURE_OPENAI_AUTH}: {@code key}, {@code entra}, or null to decide by the key's presence
 */
public record ModelConfig(
        String apiKey,
        String baseUrl,
        String defaultModel,
        String azureEndpoint,
        String azureApiKey,
        String azureDeployment,
        String azureApiVersion,
        int maxRetries,
        Duration timeout,
        int maxConnections,
        String azureAuth) {

    public static final String OFFICIAL_BASE_URL = "https://api.openai.com/v1";
    public static final String DEFAULT_MODEL = "gpt-5.4-mini";
    public static final int DEFAULT_MAX_RETRIES = 3;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_CONNECTIONS = 1000;

    public ModelConfig {
        apiKey = blankToNull(apiKey);
        baseUrl = blankToNull(baseUrl) == null ? OFFICIAL_BASE_URL : baseUrl.strip();
        defaultModel = blankToNull(defaultModel) == null ? DEFAULT_MODEL : defaultModel.strip();
        azureEndpoint = blankToNull(azureEndpoint);
        azureApiKey = blankToNull(azureApiKey);
        azureDeployment = blankToNull(azureDeployment);
        azureApiVersion = blankToNull(azureApiVersion);
        azureAuth = blankToNull(azureAuth) == null ? null : azureAuth.strip().toLowerCase(Locale.ROOT);
        if (azureAuth != null && !azureAuth.equals("key") && !azureAuth.equals("entra")) {
            throw new IllegalArgumentException("AZURE_OPENAI_AUTH must be 'entra' or 'key', was '" + azureAuth + "'");
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("MODEL_MAX_RETRIES must be >= 0, was " + maxRetries);
        }
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("MODEL_TIMEOUT_SECONDS must be > 0, was " + timeout);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("MODEL_MAX_CONNECTIONS must be >= 1, was " + maxConnections);
        }
    }

    /** The plain OpenAI (or compatible) configuration. */
    public static ModelConfig openAi(String apiKey, String baseUrl, String defaultModel, int maxRetries, Duration timeout) {
        return new ModelConfig(apiKey, baseUrl, defaultModel, null, null, null, null, maxRetries, timeout,
                DEFAULT_MAX_CONNECTIONS, null);
    }

    /** An Azure OpenAI configuration; the deployment is sent as the model name. */
    public static ModelConfig azure(String endpoint, String apiKey, String deployment, int maxRetries, Duration timeout) {
        return new ModelConfig(null, null, null, endpoint, apiKey, deployment, null, maxRetries, timeout,
                DEFAULT_MAX_CONNECTIONS, null);
    }

    /** An Azure OpenAI configuration authenticated by Microsoft Entra ID ({@code AZURE_OPENAI_AUTH=entra}). */
    public static ModelConfig azureEntra(String endpoint, String deployment, int maxRetries, Duration timeout) {
        return new ModelConfig(null, null, null, endpoint, null, deployment, null, maxRetries, timeout,
                DEFAULT_MAX_CONNECTIONS, "entra");
    }

    /** Reads the {@code harness.model.*} properties (each defaulting to its environment variable). */
    public static ModelConfig from(Config config) {
        return new ModelConfig(
                string(config, "harness.model.api-key"),
                string(config, "harness.model.base-url"),
                string(config, "harness.model.default"),
                string(config, "harness.model.azure.endpoint"),
                string(config, "harness.model.azure.api-key"),
                string(config, "harness.model.azure.deployment"),
                string(config, "harness.model.azure.api-version"),
                config.getOptionalValue("harness.model.max-retries", Integer.class).orElse(DEFAULT_MAX_RETRIES),
                config.getOptionalValue("harness.model.timeout-seconds", Long.class)
                        .map(Duration::ofSeconds).orElse(DEFAULT_TIMEOUT),
                config.getOptionalValue("harness.model.max-connections", Integer.class).orElse(DEFAULT_MAX_CONNECTIONS),
                string(config, "harness.model.azure.auth"));
    }

    public boolean azure() {
        return azureEndpoint != null;
    }

    /** Azure OpenAI with a Microsoft Entra ID token instead of a key: explicitly, or because there is no key. */
    public boolean azureEntra() {
        return azure() && (azureAuth == null ? azureApiKey == null : azureAuth.equals("entra"));
    }

    /** The environment variable still missing before the model can be called, if any. */
    public Optional<String> missingVariable() {
        if (azure()) {
            if (!azureEntra() && azureApiKey == null) {
                return Optional.of("AZURE_OPENAI_API_KEY");
            }
            return azureDeployment == null ? Optional.of("AZURE_OPENAI_DEPLOYMENT") : Optional.empty();
        }
        return apiKey == null ? Optional.of("OPENAI_API_KEY") : Optional.empty();
    }

    /** The key in use, so error messages can be scrubbed of it (none with Entra ID: tokens are scrubbed apart). */
    String activeKey() {
        return azure() ? (azureEntra() ? null : azureApiKey) : apiKey;
    }

    @Override
    public String toString() {
        return "ModelConfig[" + (azure()
                ? "azureEndpoint=" + azureEndpoint + ", azureAuth=" + (azureEntra() ? "entra" : "key")
                        + ", azureApiKey=" + mask(azureApiKey) + ", azureDeployment="
                        + azureDeployment + ", azureApiVersion=" + azureApiVersion
                : "baseUrl=" + baseUrl + ", apiKey=" + mask(apiKey) + ", defaultModel=" + defaultModel)
                + ", maxRetries=" + maxRetries + ", timeout=" + timeout + ", maxConnections=" + maxConnections + "]";
    }

    private static String mask(String key) {
        return key == null ? "<unset>" : "<set>";
    }

    private static String string(Config config, String name) {
        return config.getOptionalValue(name, String.class).orElse(null);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
