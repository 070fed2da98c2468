package dev.agentharness.runtime.runs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * What a million tokens cost, to turn usage into {@code cost_usd}. Prices change and differ per
 * contract, so they are configuration ({@code MODEL_PRICE_INPUT_PER_MTOK},
 * {@code MODEL_PRICE_OUTPUT_PER_MTOK}); unset, the cost reads 0.
 */
@ConfigMapping(prefix = "harness.pricing")
public interface Pricing {

    @WithDefault("0")
    double inputUsdPerMillionTokens();

    @WithDefault("0")
    double outputUsdPerMillionTokens();

    default double costUsd(long inputTokens, long outputTokens) {
        return (inputTokens * inputUsdPerMillionTokens() + outputTokens * outputUsdPerMillionTokens()) / 1_000_000d;
    }
}
