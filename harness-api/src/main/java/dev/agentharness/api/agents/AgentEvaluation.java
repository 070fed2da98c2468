package dev.agentharness.api.agents;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * A golden-set evaluation of one agent version ({@code POST /agents/{name}/evaluations},
 * {@code GET /agents/{name}/evaluations/{id}}). Every case is a real run of the tenant pinned to {@code version}.
 *
 * @param status      {@code running}, then {@code passed} (pass rate ≥ threshold and no baseline case regressed),
 *                    {@code failed} (the cases say why) or {@code error} (the evaluation itself could not finish:
 *                    {@code error} says why; ask again)
 * @param datasetDigest {@code sha256:<hex>} of the dataset text (+ baseline): asking again for the same version,
 *                    dataset and threshold answers the existing evaluation instead of running a new one
 * @param failedCases the failing cases, regressions first, at most 50, each with the graders' explanation
 * @param regressions ids of the baseline's passing cases that failed
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record AgentEvaluation(
        @JsonProperty("id") String id,
        @JsonProperty("agent") String agent,
        @JsonProperty("version") String version,
        @JsonProperty("status") String status,
        @JsonProperty("threshold") double threshold,
        @JsonProperty("dataset_digest") String datasetDigest,
        @JsonProperty("cases") int cases,
        @JsonProperty("passed") int passed,
        @JsonProperty("pass_rate") Double passRate,
        @JsonProperty("failed_cases") List<FailedCase> failedCases,
        @JsonProperty("regressions") List<String> regressions,
        @JsonProperty("error") String error,
        @JsonProperty("created_at") OffsetDateTime createdAt,
        @JsonProperty("finished_at") OffsetDateTime finishedAt) {

    public static final String RUNNING = "running";
    public static final String PASSED = "passed";
    public static final String FAILED = "failed";
    public static final String ERROR = "error";

    public AgentEvaluation {
        failedCases = failedCases == null ? List.of() : List.copyOf(failedCases);
        regressions = regressions == null ? List.of() : List.copyOf(regressions);
    }

    public boolean finished() {
        return !RUNNING.equals(status);
    }

    /** A case that failed, with why (one line per failing grader). */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record FailedCase(
            @JsonProperty("id") String id,
            @JsonProperty("regression") boolean regression,
            @JsonProperty("explanation") String explanation,
            @JsonProperty("run_id") String runId) {
    }
}
