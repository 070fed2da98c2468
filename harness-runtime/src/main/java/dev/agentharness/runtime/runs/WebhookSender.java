package dev.agentharness.runtime.runs;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * POSTs Slack-compatible JSON to one webhook, retried with exponential backoff (resilience4j-retry) on I/O errors,
 * 408, 429 and 5xx. Shared by the alerts ({@link AlertNotifier}, from its queue) and the nightly evaluation (its one
 * summary). The URL is a credential: it is never logged and never put in an exception message — callers log
 * {@link #host()} only.
 */
final class WebhookSender {

    /** What became of one POST: the last HTTP status, or the class of the last I/O failure (never its message). */
    record Outcome(boolean delivered, int status, String failure) {
    }

    private final URI url;
    private final Retry retry;
    private final HttpClient http;
    private final Duration requestTimeout;

    WebhookSender(String name, URI url, int maxAttempts, long initialBackoffMillis, int requestTimeoutSeconds) {
        this.url = url;
        this.requestTimeout = Duration.ofSeconds(Math.max(1, requestTimeoutSeconds));
        this.http = HttpClient.newBuilder().connectTimeout(requestTimeout).build();
        this.retry = Retry.of(name, RetryConfig.<Integer>custom()
                .maxAttempts(Math.max(1, maxAttempts))
                .intervalFunction(IntervalFunction.ofExponentialBackoff(Math.max(1, initialBackoffMillis), 2.0))
                .retryOnResult(WebhookSender::retryable)
                .retryExceptions(IOException.class)
                .build());
    }

    /** The URL must be absolute http(s); the message names {@code variable}, never the value (it is a secret). */
    static URI parse(String url, String variable) {
        URI uri;
        try {
            uri = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(variable + " is not a valid URL");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))
                || uri.getHost() == null) {
            throw new IllegalStateException(variable + " must be an absolute http(s) URL");
        }
        return uri;
    }

    String host() {
        return url.getHost();
    }

    /** Sends {@code json}, retrying; blocks until delivered or every attempt failed. */
    Outcome post(String json) throws InterruptedException {
        try {
            int status = retry.executeCheckedSupplier(() -> send(json));
            return new Outcome(status / 100 == 2, status, null);
        } catch (InterruptedException e) {
            throw e;
        } catch (Throwable e) {
            // The exception's message may hold the URL: only its class is kept.
            return new Outcome(false, 0, e.getClass().getSimpleName());
        }
    }

    private int send(String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static boolean retryable(Integer status) {
        return status == 408 || status == 429 || status >= 500;
    }
}
