package dev.agentharness.runtime.runs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/**
 * The alert webhook and the cost-spike signal ({@code harness.alerts.*}). The webhook URL is a secret (a Slack
 * incoming-webhook URL is its own credential): it is read here and never logged — only its host is.
 */
@ConfigMapping(prefix = "harness.alerts")
public interface AlertSettings {

    /** {@code HARNESS_ALERTS_WEBHOOK_URL}: where alerts are POSTed as Slack-compatible JSON; unset = no webhook. */
    Optional<String> webhookUrl();

    /** {@code HARNESS_ALERTS_SPIKE_FACTOR}: today's spend above this × the trailing 7-day daily average is a spike. */
    @WithDefault("3")
    double spikeFactor();

    /** {@code HARNESS_ALERTS_SPIKE_MINIMUM_USD}: and above this many dollars (small amounts are never a spike). */
    @WithDefault("1")
    double spikeMinimumUsd();

    /** Alerts waiting to be sent; one more is dropped (and logged), never waited for. */
    @WithDefault("1000")
    int queueCapacity();

    /** Attempts per alert (the first included), with exponential backoff from {@link #retryInitialBackoffMillis()}. */
    @WithDefault("5")
    int maxAttempts();

    @WithDefault("1000")
    long retryInitialBackoffMillis();

    /** Each attempt's time limit (connect + answer). */
    @WithDefault("10")
    int requestTimeoutSeconds();

    /**
     * {@code HARNESS_METRICS_TOP_PRINCIPALS}: how many principals (by today's spend, then the 7-day average) get their
     * own series in the per-principal spend gauges; the rest are summed into {@code principal="other"}.
     */
    @WithDefault("20")
    int topPrincipals();
}
