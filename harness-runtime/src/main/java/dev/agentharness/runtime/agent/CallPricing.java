package dev.agentharness.runtime.agent;

/**
 * What one model call cost, priced when its response is journaled (and never again): the loop knows no price table,
 * so the harness hands it this through {@link RunConfig}. Reasoning tokens are part of {@code outputTokens} and are
 * billed as output; {@code cachedInputTokens} are the part of {@code inputTokens} the provider read from its cache.
 */
@FunctionalInterface
public interface CallPricing {

    /** Every call costs nothing (no prices configured; tests of the loop). */
    CallPricing FREE = (model, inputTokens, cachedInputTokens, outputTokens) -> 0;

    /**
     * @param model the model the run asked for (not the dated snapshot the provider says answered)
     * @return the call's cost in US dollars
     */
    double costUsd(String model, long inputTokens, long cachedInputTokens, long outputTokens);
}
