package dev.agentharness.runtime.runs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What a million tokens cost, to turn usage into {@code cost_usd}. Prices change and differ per contract, so they are
 * configuration: a price table per model ({@code HARNESS_PRICES_FILE}, read by {@link PriceTable}) and one global
 * price ({@code MODEL_PRICE_INPUT_PER_MTOK}, {@code MODEL_PRICE_OUTPUT_PER_MTOK}) for every model the table does not
 * name. Unset, the cost reads 0.
 */
@ConfigMapping(prefix = "harness.pricing")
public interface Pricing {

    @WithDefault("0")
    double inputUsdPerMillionTokens();

    @WithDefault("0")
    double outputUsdPerMillionTokens();

    /** The price table per model (YAML or JSON); empty = the global price for every model. */
    Optional<Path> file();

    /** Whether the global price is set (a model the table does not name is then priced with it, not refused). */
    default boolean fallbackSet() {
        return inputUsdPerMillionTokens() > 0 || outputUsdPerMillionTokens() > 0;
    }

    default double costUsd(long inputTokens, long outputTokens) {
        return (inputTokens * inputUsdPerMillionTokens() + outputTokens * outputUsdPerMillionTokens()) / 1_000_000d;
    }
}
