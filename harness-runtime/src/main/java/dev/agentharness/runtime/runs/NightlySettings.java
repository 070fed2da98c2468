package dev.agentharness.runtime.runs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/**
 * The nightly evaluation job ({@code harness.evals.nightly.*}; docs/evaluators.md "Nightly evaluation"). Every value may be
 * overridden on the command line of {@code eval nightly}.
 */
@ConfigMapping(prefix = "harness.evals.nightly")
public interface NightlySettings {

    /** {@code HARNESS_EVAL_NIGHTLY_WINDOW}: how far back finished runs are sampled ({@code 24h}, {@code 90m}, {@code 2d}, ISO). */
    @WithDefault("24h")
    String window();

    /** {@code HARNESS_EVAL_NIGHTLY_SAMPLE}: how many runs are graded (per agent with {@link #perAgent()}). */
    @WithDefault("200")
    int sample();

    /** {@code HARNESS_EVAL_NIGHTLY_PER_AGENT}: sample up to {@link #sample()} runs of every agent instead of overall. */
    @WithDefault("false")
    boolean perAgent();

    /** {@code HARNESS_EVAL_NIGHTLY_CONCURRENCY}: runs graded at once (the judge's model calls are the slow part). */
    @WithDefault("8")
    int concurrency();

    /** {@code HARNESS_EVAL_NIGHTLY_LINK_TTL}: how long the report link works (at most 7 days, SigV4's limit). */
    @WithDefault("P7D")
    String linkTtl();

    /**
     * {@code --seed}: fixes which runs are sampled (the same seed over the same runs, the same sample); unset = a new
     * random seed every night, written into the report so a night can be repeated.
     */
    Optional<Long> seed();

    /** Runs listed in the report's "worst runs" (lowest mean score first). */
    @WithDefault("10")
    int worstRuns();

    /**
     * {@code HARNESS_EVAL_WEBHOOK_URL}, else {@code HARNESS_ALERTS_WEBHOOK_URL}: where the summary is POSTed as
     * Slack-compatible JSON; unset = no post. A secret: never logged (only its host).
     */
    Optional<String> webhookUrl();
}
