package dev.agentharness.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * A run as the API shows it. {@code reply} is set once the run succeeded; {@code reason} says why a
 * run ended the way it did ({@code MaxTurnsExceeded}, {@code InputGuardrailTripwire}, …).
 * {@code artifact_url} is a fresh short-lived link to {@code reply.md} when the run saved one;
 * {@code artifact_error} says why a requested artifact could not be saved (the reply is still here).
 * {@code progress} says how far it got and whether it moved replicas ({@link RunProgress}); always present.
 * {@code sampled_to_phoenix} says whether the finished run's spans were sent to Arize Phoenix; absent when the harness
 * has no Phoenix pipeline (and while the run is not finished).
 * {@code evaluations} are the verdicts of the evaluators graded on the finished run ({@link EvaluationResult}): always
 * present, empty until they ran — inline evaluators run asynchronously after the run completed, so a run is terminal
 * first and gains its evaluations a moment later.
 * {@code agent_version} is the version of the agent the run started with ({@code sha256:…}; docs/agents.md).
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record RunResponse(
        @JsonProperty("run_id") String runId,
        @JsonProperty("session_id") String sessionId,
        @JsonProperty("agent") String agent,
        @JsonProperty("model") String model,
        @JsonProperty("status") RunStatus status,
        @JsonProperty("reason") String reason,
        @JsonProperty("reply") String reply,
        @JsonProperty("used_sandbox") boolean usedSandbox,
        @JsonProperty("artifact_url") String artifactUrl,
        @JsonProperty("artifact_error") String artifactError,
        @JsonProperty("artifacts") List<ArtifactRef> artifacts,
        @JsonProperty("usage") Usage usage,
        @JsonProperty("trace_id") String traceId,
        @JsonProperty("created_at") OffsetDateTime createdAt,
        @JsonProperty("started_at") OffsetDateTime startedAt,
        @JsonProperty("completed_at") OffsetDateTime completedAt,
        @JsonProperty("updated_at") OffsetDateTime updatedAt,
        @JsonProperty("progress") RunProgress progress,
        @JsonProperty("sampled_to_phoenix") @JsonInclude(JsonInclude.Include.NON_NULL) Boolean sampledToPhoenix,
        @JsonProperty("evaluations") List<EvaluationResult> evaluations,
        @JsonProperty("agent_version") String agentVersion) {

    public RunResponse {
        evaluations = evaluations == null ? List.of() : List.copyOf(evaluations);
    }

    /** A run whose agent version is not known to the caller. */
    public RunResponse(String runId, String sessionId, String agent, String model, RunStatus status, String reason,
                       String reply, boolean usedSandbox, String artifactUrl, String artifactError,
                       List<ArtifactRef> artifacts, Usage usage, String traceId, OffsetDateTime createdAt,
                       OffsetDateTime startedAt, OffsetDateTime completedAt, OffsetDateTime updatedAt,
                       RunProgress progress, Boolean sampledToPhoenix, List<EvaluationResult> evaluations) {
        this(runId, sessionId, agent, model, status, reason, reply, usedSandbox, artifactUrl, artifactError, artifacts,
                usage, traceId, createdAt, startedAt, completedAt, updatedAt, progress, sampledToPhoenix, evaluations,
                null);
    }

    /** The same run with the agent version it used. */
    public RunResponse withAgentVersion(String version) {
        return new RunResponse(runId, sessionId, agent, model, status, reason, reply, usedSandbox, artifactUrl,
                artifactError, artifacts, usage, traceId, createdAt, startedAt, completedAt, updatedAt, progress,
                sampledToPhoenix, evaluations, version);
    }

    /** A run without evaluations (yet). */
    public RunResponse(String runId, String sessionId, String agent, String model, RunStatus status, String reason,
                       String reply, boolean usedSandbox, String artifactUrl, String artifactError,
                       List<ArtifactRef> artifacts, Usage usage, String traceId, OffsetDateTime createdAt,
                       OffsetDateTime startedAt, OffsetDateTime completedAt, OffsetDateTime updatedAt,
                       RunProgress progress, Boolean sampledToPhoenix) {
        this(runId, sessionId, agent, model, status, reason, reply, usedSandbox, artifactUrl, artifactError, artifacts,
                usage, traceId, createdAt, startedAt, completedAt, updatedAt, progress, sampledToPhoenix, List.of());
    }

    /** The same run with its evaluations. */
    public RunResponse withEvaluations(List<EvaluationResult> results) {
        return new RunResponse(runId, sessionId, agent, model, status, reason, reply, usedSandbox, artifactUrl,
                artifactError, artifacts, usage, traceId, createdAt, startedAt, completedAt, updatedAt, progress,
                sampledToPhoenix, results, agentVersion);
    }

    /** A run without a Phoenix decision. */
    public RunResponse(String runId, String sessionId, String agent, String model, RunStatus status, String reason,
                       String reply, boolean usedSandbox, String artifactUrl, String artifactError,
                       List<ArtifactRef> artifacts, Usage usage, String traceId, OffsetDateTime createdAt,
                       OffsetDateTime startedAt, OffsetDateTime completedAt, OffsetDateTime updatedAt,
                       RunProgress progress) {
        this(runId, sessionId, agent, model, status, reason, reply, usedSandbox, artifactUrl, artifactError, artifacts,
                usage, traceId, createdAt, startedAt, completedAt, updatedAt, progress, null, List.of());
    }
}
