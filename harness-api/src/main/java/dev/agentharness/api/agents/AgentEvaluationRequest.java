package dev.agentharness.api.agents;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Body of {@code POST /agents/{name}/evaluations}: run a golden set against one registered version.
 *
 * @param version   the version to evaluate ({@code sha256:…}); required
 * @param dataset   the golden set, JSONL text in the format of {@code evals/} (docs/evals-format.md); at most 1 MiB
 * @param baseline  optional: the baseline, the JSON text of an {@code evals/*.baseline.json} file — a case it lists as
 *                  passing that fails now is a regression and fails the evaluation whatever the pass rate
 * @param threshold the pass rate in [0, 1] the version must reach; default 1.0
 */
public record AgentEvaluationRequest(
        @JsonProperty("version") String version,
        @JsonProperty("dataset") String dataset,
        @JsonProperty("baseline") String baseline,
        @JsonProperty("threshold") Double threshold) {
}
