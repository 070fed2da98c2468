package dev.agentharness.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Tokens a run consumed across all its model calls, and what they cost. */
public record Usage(
        @JsonProperty("input_tokens") long inputTokens,
        @JsonProperty("output_tokens") long outputTokens,
        @JsonProperty("cost_usd") double costUsd) {

    public static final Usage ZERO = new Usage(0, 0, 0);
}
