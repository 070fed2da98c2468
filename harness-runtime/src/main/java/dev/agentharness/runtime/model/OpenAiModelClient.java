package dev.agentharness.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.azure.AzureOpenAIServiceVersion;
import com.openai.azure.AzureUrlPathMode;
import com.openai.azure.credential.AzureApiKeyCredential;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.Timeout;
import com.openai.errors.OpenAIException;
import com.openai.errors.OpenAIInvalidDataException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.responses.Response;
import org.jboss.logging.Logger;

import java.io.InterruptedIOException;
import java.util.Optional;

/**
 * {@link ModelClient} on the official openai-java client, for OpenAI, any OpenAI-compatible
 * endpoint ({@code OPENAI_BASE_URL}) and Azure OpenAI.
 *
 * <p>Retries are openai-java's own (checked in its RetryingHttpClient bytecode, 4.101.0): on
 * 408/409/429/5xx and I/O errors (timeouts included), up to {@code maxRetries} times, waiting the
 * {@code retry-after-ms} or {@code Retry-After} (seconds or HTTP date) the server asks for, else an
 * exponential backoff of 0.5 s·2ⁿ with jitter capped at 8 s. That is exactly the policy the harness
 * wants, so no second retry loop is layered on top (it would multiply the attempts).
 */
public final class OpenAiModelClient implements ModelClient, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(OpenAiModelClient.class);
    private static final String AZURE_V1_PATH = "/openai/v1";

    private final ModelConfig config;
    private final OpenAIClient client;

    public OpenAiModelClient(ModelConfig config) {
        this.config = config;
        this.client = configured() ? build(config) : null;
    }

    private static OpenAIClient build(ModelConfig config) {
        Timeout timeout = Timeout.builder()
                .connect(config.timeout())
                .read(config.timeout())
                .write(config.timeout())
                .request(config.timeout())
                .build();
        OpenAIOkHttpClient.Builder builder = OpenAIOkHttpClient.builder()
                .maxRetries(config.maxRetries())
                .timeout(timeout);
        if (config.azure()) {
            // Azure's v1 API ({endpoint}/openai/v1) takes the deployment as "model" and needs no
            // api-version. The path mode is forced because the SDK otherwise recognises Azure only
            // by host name (*.openai.azure.com …), which private endpoints and tests don't have.
            builder.baseUrl(azureBaseUrl(config.azureEndpoint()))
                    .azureUrlPathMode(AzureUrlPathMode.UNIFIED)
                    .credential(AzureApiKeyCredential.create(config.azureApiKey()));
            if (config.azureApiVersion() != null) {
                builder.azureServiceVersion(AzureOpenAIServiceVersion.fromString(config.azureApiVersion()));
            }
        } else {
            builder.baseUrl(config.baseUrl()).apiKey(config.apiKey());
        }
        return builder.build();
    }

    static String azureBaseUrl(String endpoint) {
        String trimmed = endpoint.strip().replaceAll("/+$", "");
        return trimmed.endsWith(AZURE_V1_PATH) ? trimmed : trimmed + AZURE_V1_PATH;
    }

    @Override
    public ModelResponse respond(ModelRequest request) throws ModelException {
        if (!configured()) {
            throw new ModelException(ModelException.Kind.NOT_CONFIGURED,
                    "set " + missingConfiguration() + " to enable model calls"
                            + (config.azure() ? " (Azure OpenAI)" : " (or AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY "
                            + "and AZURE_OPENAI_DEPLOYMENT for Azure OpenAI)"));
        }
        String model = modelFor(request);
        Response response;
        try {
            response = client.responses().create(ResponsesMapping.toParams(request, model));
        } catch (OpenAIException e) {
            ModelException failure = translate(e, model);
            LOG.warnf("model call failed (%s): %s", failure.kind(), failure.getMessage());
            throw failure;
        } catch (Exception e) {
            // The client (Kotlin) lets a checked InterruptedException escape from its retry sleep: the run was
            // stopped (timeout, lost lease, shutdown). Keep the interrupt and end the call as a model failure.
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new ModelException(ModelException.Kind.UNAVAILABLE, "model call to " + model + " interrupted", e);
            }
            throw e instanceof RuntimeException unchecked ? unchecked : new ModelException(ModelException.Kind.UNAVAILABLE,
                    "model call failed: " + e.getClass().getSimpleName(), e);
        }
        return ResponsesMapping.toModelResponse(response);
    }

    /** On Azure the deployment is the model; elsewhere the agent's model, else the default. */
    String modelFor(ModelRequest request) {
        if (config.azure()) {
            return config.azureDeployment();
        }
        return request.model() == null || request.model().isBlank() ? config.defaultModel() : request.model();
    }

    private ModelException translate(OpenAIException e, String model) {
        int attempts = config.maxRetries() + 1;
        if (e instanceof OpenAIServiceException service) {
            int status = service.statusCode();
            boolean providerSide = status == 408 || status == 409 || status == 429 || status >= 500;
            String detail = providerMessage(service).map(message -> ": " + message).orElse("");
            if (providerSide) {
                return new ModelException(ModelException.Kind.UNAVAILABLE, scrub("model provider unavailable for "
                        + model + " after " + attempts + " attempt(s): HTTP " + status + detail));
            }
            String hint = status == 401 || status == 403 ? " (check the API key)" : "";
            return new ModelException(ModelException.Kind.REJECTED,
                    scrub("model provider rejected the request for " + model + ": HTTP " + status + hint + detail));
        }
        if (e instanceof OpenAIIoException && causedByTimeout(e)) {
            return new ModelException(ModelException.Kind.TIMEOUT, "model call to " + model + " timed out after "
                    + config.timeout().toMillis() + " ms (" + attempts + " attempt(s))", e);
        }
        if (e instanceof OpenAIIoException) {
            return new ModelException(ModelException.Kind.UNAVAILABLE, scrub("could not reach the model endpoint after "
                    + attempts + " attempt(s): " + rootCause(e)), e);
        }
        if (e instanceof OpenAIInvalidDataException) {
            return new ModelException(ModelException.Kind.UNAVAILABLE,
                    "the model endpoint answered with a response the client could not read", e);
        }
        return new ModelException(ModelException.Kind.UNAVAILABLE, scrub("model call failed: " + e.getClass().getSimpleName()));
    }

    /** The {@code error.message} of an OpenAI error body, when the provider sent one. */
    private static Optional<String> providerMessage(OpenAIServiceException e) {
        try {
            // The SDK hands over either the whole body or its unwrapped "error" object.
            JsonNode body = e.body().convert(JsonNode.class);
            JsonNode message = body.has("error") ? body.path("error").path("message") : body.path("message");
            return message.isTextual() && !message.asText().isBlank() ? Optional.of(message.asText()) : Optional.empty();
        } catch (RuntimeException unexpectedShape) {
            return Optional.empty();
        }
    }

    private static boolean causedByTimeout(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof InterruptedIOException) {
                return true;
            }
        }
        return false;
    }

    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : " " + root.getMessage());
    }

    /** Providers sometimes quote the key back (partially masked or not); never pass it on. */
    private String scrub(String message) {
        String key = config.activeKey();
        return key == null ? message : message.replace(key, "***");
    }

    @Override
    public boolean configured() {
        return config.missingVariable().isEmpty();
    }

    @Override
    public String missingConfiguration() {
        return config.missingVariable().orElse("");
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
