package dev.agentharness.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.OffsetDateTime;

/**
 * One evaluator's verdict on a finished run ({@code GET /runs/{id}} {@code evaluations}): graded after the run
 * completed, from its journal. {@code score} is in [0, 1]; {@code label} a short word ({@code pass}/{@code fail}, or a
 * judge's own); {@code source} is {@code inline} (the evaluators declared with the run's agent, right after the run)
 * or {@code nightly} (the nightly job).
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record EvaluationResult(
        @JsonProperty("name") String name,
        @JsonProperty("score") double score,
        @JsonProperty("label") String label,
        @JsonProperty("passed") boolean passed,
        @JsonProperty("explanation") String explanation,
        @JsonProperty("source") String source,
        @JsonProperty("evaluated_at") OffsetDateTime evaluatedAt) {
}
