package dev.agentharness.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Tokens a run consumed across all its model calls, and what they cost: the sums of what each call recorded when it
 * was made (priced then, never re-priced). {@code cached_input_tokens} are the part of {@code input_tokens} the
 * provider read from its prompt cache (billed at the cached-input price); reasoning tokens are part of
 * {@code output_tokens}.
 */
public record Usage(
        @JsonProperty("input_tokens") long inputTokens,
        @JsonProperty("cached_input_tokens") long cachedInputTokens,
        @JsonProperty("output_tokens") long outputTokens,
        @JsonProperty("cost_usd") double costUsd) {

    public static final Usage ZERO = new Usage(0, 0, 0, 0);
}
