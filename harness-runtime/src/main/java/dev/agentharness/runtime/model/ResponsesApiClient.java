package dev.agentharness.runtime.model;

import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link ModelClient} over the Responses API ({@code POST {base}/responses}) for OpenAI, any OpenAI-compatible
 * endpoint ({@code OPENAI_BASE_URL}) and Azure OpenAI's v1 API ({@code {endpoint}/openai/v1}, the {@code api-key} header
 * or a Microsoft Entra ID bearer token ({@link EntraIdTokens}), the deployment as {@code model}, {@code api-version} when
 * set).
 *
 * <p>It replaced the official openai-java client, which cost 45 % of the harness's CPU per run in the side-by-side
 * benchmark (its OkHttp connection-pool bookkeeping, Kotlin lazies and a typed model of every response field:
 * docs/benchmarks.md). The HTTP is Vert.x's client on the event loops the server already runs (non-blocking, pooled
 * keep-alive connections, as many as {@code MODEL_MAX_CONNECTIONS}); the calling virtual thread waits for the answer.
 *
 * <p>The retry policy is the official client's, kept as it was (resilience4j-retry): on 408/409/429/5xx, I/O errors
 * and timeouts, up to {@code maxRetries} times, waiting what the server asks for ({@code retry-after-ms}, or
 * {@code Retry-After} in seconds or as an HTTP date, when under a minute), else 0.5 s·2ⁿ capped at 8 s, less up to
 * 25 % jitter; {@code x-should-retry: true|false} overrides the status. No second retry loop is layered on top.
 */
public final class ResponsesApiClient implements ModelClient, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ResponsesApiClient.class);
    private static final String AZURE_V1_PATH = "/openai/v1";
    private static final Duration LONGEST_RETRY_AFTER = Duration.ofMinutes(1);
    private static final Duration LONGEST_BACKOFF = Duration.ofSeconds(8);

    private final ModelConfig config;
    private final Vertx vertx;
    private final HttpClient http;
    private final Retry retry;
    private final String endpoint;
    private final MultiMap headers;
    /** Azure OpenAI through Microsoft Entra ID: the bearer token of each attempt; null otherwise. */
    private final EntraIdTokens entraTokens;

    public ResponsesApiClient(ModelConfig config, Vertx vertx) {
        this(config, vertx, config.azureEntra() ? EntraIdTokens.fromEnvironment() : null);
    }

    ResponsesApiClient(ModelConfig config, Vertx vertx, EntraIdTokens entraTokens) {
        this.config = config;
        this.entraTokens = config.azureEntra() ? Objects.requireNonNull(entraTokens, "entraTokens") : null;
        this.vertx = vertx;
        this.endpoint = endpoint(config);
        this.headers = headers(config);
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setName("model")
                .setShared(false)
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis()))
                .setMaxPoolSize(config.maxConnections()));
        this.retry = Retry.of("model", RetryConfig.<Object>custom()
                .maxAttempts(config.maxRetries() + 1)
                .retryOnException(failure -> failure instanceof RetryableFailure)
                .intervalBiFunction((IntervalBiFunction<Object>) (retries, outcome) ->
                        wait(retries, outcome.isLeft() ? outcome.getLeft() : null).toMillis())
                .failAfterMaxAttempts(false)
                .build());
    }

    private static String endpoint(ModelConfig config) {
        if (!config.azure()) {
            return config.baseUrl().replaceAll("/+$", "") + "/responses";
        }
        String base = azureBaseUrl(config.azureEndpoint()) + "/responses";
        return config.azureApiVersion() == null ? base : base + "?api-version=" + config.azureApiVersion();
    }

    static String azureBaseUrl(String endpoint) {
        String trimmed = endpoint.strip().replaceAll("/+$", "");
        return trimmed.endsWith(AZURE_V1_PATH) ? trimmed : trimmed + AZURE_V1_PATH;
    }

    private static MultiMap headers(ModelConfig config) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .add(HttpHeaders.CONTENT_TYPE, "application/json")
                .add(HttpHeaders.ACCEPT, "application/json")
                .add(HttpHeaders.USER_AGENT, "agent-harness");
        if (config.azure()) {
            if (!config.azureEntra() && config.azureApiKey() != null) {
                headers.add("api-key", config.azureApiKey());
            }
        } else if (config.apiKey() != null) {
            headers.add(HttpHeaders.AUTHORIZATION, "Bearer " + config.apiKey());
        }
        return headers;
    }

    @Override
    public ModelResponse respond(ModelRequest request) throws ModelException {
        if (!configured()) {
            throw new ModelException(ModelException.Kind.NOT_CONFIGURED,
                    "set " + missingConfiguration() + " to enable model calls"
                            + (config.azure() ? " (Azure OpenAI)" : " (or AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY "
                            + "and AZURE_OPENAI_DEPLOYMENT for Azure OpenAI)"));
        }
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("a model call would block a Vert.x event loop");
        }
        String model = modelFor(request);
        byte[] body = ResponsesJson.request(request, model);
        try {
            return retry.executeCheckedSupplier(() -> attempt(body, model));
        } catch (RetryableFailure e) {
            ModelException failure = e.toModelException(model, config.maxRetries() + 1, config.timeout());
            LOG.warnf("model call failed (%s): %s", failure.kind(), failure.getMessage());
            throw failure;
        } catch (ModelException e) {
            LOG.warnf("model call failed (%s): %s", e.kind(), e.getMessage());
            throw e;
        } catch (Throwable e) {
            if (Thread.currentThread().isInterrupted() || e instanceof InterruptedException) {
                // The run was stopped (timeout, lost lease, shutdown) while waiting to retry: end the call.
                Thread.currentThread().interrupt();
                throw new ModelException(ModelException.Kind.UNAVAILABLE, "model call to " + model + " interrupted", e);
            }
            throw e instanceof RuntimeException unchecked ? unchecked : new ModelException(
                    ModelException.Kind.UNAVAILABLE, "model call failed: " + e.getClass().getSimpleName(), e);
        }
    }

    /** One HTTP exchange: the parsed answer, a {@link RetryableFailure} to try again, or a final {@link ModelException}. */
    private ModelResponse attempt(byte[] body, String model) throws ModelException, RetryableFailure {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(endpoint)
                .setHeaders(headersForAttempt())
                // A model that stops sending for the timeout fails the attempt; the wait below bounds the whole of it.
                .setIdleTimeout(config.timeout().toMillis());
        // The exchange runs on an event loop: the body handler must be set in the same tick the response arrives
        // (from this virtual thread, its first bytes could be dispatched before it is, and be lost).
        Promise<Exchange> exchange = Promise.promise();
        vertx.runOnContext(ignored -> http.request(options)
                .compose(sent -> sent.send(Buffer.buffer(body)))
                .compose(response -> response.body().map(answer ->
                        new Exchange(response.statusCode(), response.headers(), answer.getBytes())))
                .onComplete(exchange));
        Exchange answer;
        try {
            answer = exchange.future().toCompletionStage().toCompletableFuture()
                    .get(config.timeout().toMillis() + config.timeout().toMillis() / 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelException(ModelException.Kind.UNAVAILABLE, "model call to " + model + " interrupted", e);
        } catch (TimeoutException e) {
            throw RetryableFailure.timeout();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw isTimeout(cause) ? RetryableFailure.timeout() : RetryableFailure.io(cause);
        }
        return answer.read(model);
    }

    /** The fixed headers, plus a current Entra ID token on that path (fetched or refreshed on this thread). */
    private MultiMap headersForAttempt() throws ModelException {
        if (entraTokens == null) {
            return headers;
        }
        return MultiMap.caseInsensitiveMultiMap().addAll(headers)
                .add(HttpHeaders.AUTHORIZATION, "Bearer " + entraTokens.token());
    }

    private static boolean isTimeout(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof TimeoutException || cause instanceof java.io.InterruptedIOException
                    || cause instanceof io.netty.handler.timeout.TimeoutException
                    || String.valueOf(cause.getMessage()).contains("timeout period")) {
                return true;
            }
        }
        return false;
    }

    /** What the server asked for, when it did and it is under a minute; else exponential backoff with jitter. */
    static Duration wait(int retries, Throwable failure) {
        if (failure instanceof RetryableFailure retryable && retryable.retryAfter != null
                && !retryable.retryAfter.isNegative() && retryable.retryAfter.compareTo(LONGEST_RETRY_AFTER) < 0) {
            return retryable.retryAfter;
        }
        double seconds = Math.min(0.5 * Math.pow(2, Math.max(0, retries - 1)), LONGEST_BACKOFF.toSeconds());
        double jitter = 1 - 0.25 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis((long) (seconds * jitter * 1000));
    }

    /** {@code retry-after-ms}, else {@code Retry-After} as seconds or an HTTP date. */
    static Duration retryAfter(MultiMap headers) {
        String millis = headers.get("retry-after-ms");
        if (millis != null) {
            try {
                return Duration.ofMillis((long) Double.parseDouble(millis.strip()));
            } catch (NumberFormatException ignored) {
                // fall through to Retry-After
            }
        }
        String value = headers.get("Retry-After");
        if (value == null) {
            return null;
        }
        try {
            return Duration.ofMillis((long) (Double.parseDouble(value.strip()) * 1000));
        } catch (NumberFormatException notSeconds) {
            try {
                return Duration.between(java.time.Instant.now(),
                        ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    /** On Azure the deployment is the model; elsewhere the agent's model, else the default. */
    String modelFor(ModelRequest request) {
        if (config.azure()) {
            return config.azureDeployment();
        }
        return request.model() == null || request.model().isBlank() ? config.defaultModel() : request.model();
    }

    /** Providers sometimes quote the key back (partially masked or not); never pass it on. */
    private String scrub(String message) {
        String key = config.activeKey();
        String scrubbed = key == null ? message : message.replace(key, "***");
        return entraTokens == null ? scrubbed : entraTokens.scrub(scrubbed);
    }

    @Override
    public boolean configured() {
        return config.missingVariable().isEmpty();
    }

    @Override
    public String providerName() {
        return config.azure() ? AZURE_OPENAI : OPENAI;
    }

    @Override
    public String missingConfiguration() {
        return config.missingVariable().orElse("");
    }

    @Override
    public void close() {
        http.close();
    }

    /** A complete HTTP answer. */
    private final class Exchange {
        private final int status;
        private final MultiMap headers;
        private final byte[] body;

        Exchange(int status, MultiMap headers, byte[] body) {
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        ModelResponse read(String model) throws ModelException, RetryableFailure {
            if (status >= 200 && status < 300) {
                try {
                    return ResponsesJson.response(body);
                } catch (ResponsesJson.UnreadableResponseException e) {
                    throw new ModelException(ModelException.Kind.UNAVAILABLE,
                            "the model endpoint answered with a response the client could not read (" + e.getMessage()
                                    + ")");
                }
            }
            String detail = ResponsesJson.errorMessage(body).map(message -> ": " + message).orElse("");
            String shouldRetry = headers.get("x-should-retry");
            boolean providerSide = shouldRetry != null ? Boolean.parseBoolean(shouldRetry)
                    : status == 408 || status == 409 || status == 429 || status >= 500;
            if (providerSide) {
                throw RetryableFailure.status(status, scrub(detail), retryAfter(headers));
            }
            String hint = status == 401 || status == 403 ? (entraTokens != null
                    ? " (check that the identity holds the role 'Cognitive Services OpenAI User' on the resource)"
                    : " (check the API key)") : "";
            throw new ModelException(ModelException.Kind.REJECTED,
                    scrub("model provider rejected the request for " + model + ": HTTP " + status + hint + detail));
        }
    }

    /** An attempt that may succeed when repeated; becomes a {@link ModelException} once the retries are spent. */
    static final class RetryableFailure extends Exception {
        private final int status;
        private final boolean timeout;
        private final Duration retryAfter;

        private RetryableFailure(String message, int status, boolean timeout, Duration retryAfter) {
            super(message, null, false, false); // a stack trace would cost more than the call it describes
            this.status = status;
            this.timeout = timeout;
            this.retryAfter = retryAfter;
        }

        static RetryableFailure status(int status, String detail, Duration retryAfter) {
            return new RetryableFailure("HTTP " + status + detail, status, false, retryAfter);
        }

        static RetryableFailure timeout() {
            return new RetryableFailure("timed out", 0, true, null);
        }

        static RetryableFailure io(Throwable cause) {
            Throwable root = cause;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            return new RetryableFailure(root.getClass().getSimpleName()
                    + (root.getMessage() == null ? "" : " " + root.getMessage()), 0, false, null);
        }

        ModelException toModelException(String model, int attempts, Duration timeoutPerAttempt) {
            if (timeout) {
                return new ModelException(ModelException.Kind.TIMEOUT, "model call to " + model + " timed out after "
                        + timeoutPerAttempt.toMillis() + " ms (" + attempts + " attempt(s))");
            }
            if (status > 0) {
                return new ModelException(ModelException.Kind.UNAVAILABLE, "model provider unavailable for " + model
                        + " after " + attempts + " attempt(s): " + getMessage());
            }
            return new ModelException(ModelException.Kind.UNAVAILABLE, "could not reach the model endpoint after "
                    + attempts + " attempt(s): " + getMessage());
        }
    }
}
