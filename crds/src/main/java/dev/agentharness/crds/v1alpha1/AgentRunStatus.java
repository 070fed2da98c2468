package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the operator knows about the run. Bounded in size (etcd keeps objects under ~1.5 MiB):
 * the reply is cut at {@link #MAX_REPLY_BYTES} and artifacts are references, never links.
 */
@JsonClassDescription("What the operator knows about the run, written by the operator only. Bounded in size: the reply is "
        + "cut at 4 KiB and artifacts are references, never links.")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentRunStatus {

    /** Largest reply kept in status, in UTF-8 bytes; the full reply stays in the harness. */
    public static final int MAX_REPLY_BYTES = 4096;
    /** Most artifacts listed in status. */
    public static final int MAX_ARTIFACTS = 32;

    @JsonPropertyDescription("Pending, Queued, Running, Succeeded, Failed, Cancelled or TimedOut.")
    private AgentRunPhase phase;

    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("The Succeeded condition: Unknown while running, True or False once finished.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("The harness run, e.g. run_3f2a…; GET /runs/{runId} on the harness has every detail.")
    private String runId;

    @JsonPropertyDescription("The harness session the run belongs to.")
    private String sessionId;

    @JsonPropertyDescription("The Idempotency-Key the run was submitted with: namespace, name and a digest of the spec.")
    private String idempotencyKey;

    @JsonPropertyDescription("When the harness accepted the run (RFC 3339).")
    private String startTime;

    @JsonPropertyDescription("When the run finished (RFC 3339).")
    private String completionTime;

    @JsonPropertyDescription("How long the run took, e.g. 1m12s; set once it finished.")
    private String duration;

    @JsonPropertyDescription("The agent's final answer, at most 4 KiB of UTF-8; replyTruncated says when it was cut.")
    private String reply;

    @JsonPropertyDescription("True when reply holds only the first 4 KiB of a longer answer.")
    private Boolean replyTruncated;

    @JsonPropertyDescription("Stored artifacts, as references (download links are minted on demand by the harness).")
    private List<ArtifactReference> artifacts;

    @JsonPropertyDescription("Tokens the run consumed and what they cost.")
    private RunUsage usage;

    @JsonPropertyDescription("How far the run got (turns, steps, last step kind) and whether it moved to another harness "
            + "replica (attempts, recoveries); updated while it runs, kept once it finished.")
    private RunProgress progress;

    @JsonPropertyDescription("Whether the run had a sandbox.")
    private Boolean usedSandbox;

    @JsonPropertyDescription("The run's OpenTelemetry trace id.")
    private String traceId;

    @JsonPropertyDescription("The exact version of the agent that answered (sha256: of its spec; docs/agents.md).")
    private String agentVersion;

    @JsonPropertyDescription("True once the operator asked the harness to cancel the run (spec.cancel).")
    private Boolean cancelRequested;

    @JsonPropertyDescription("The evaluators' verdicts on the finished run (inline evaluators of its agent, the nightly "
            + "job): passed and failed counts and one line per evaluator. Set shortly after the run finished.")
    private RunEvaluation evaluation;

    public Optional<Condition> condition(String type) {
        return conditions == null ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    public AgentRunPhase getPhase() {
        return phase;
    }

    public void setPhase(AgentRunPhase phase) {
        this.phase = phase;
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public String getRunId() {
        return runId;
    }

    public void setRunId(String runId) {
        this.runId = runId;
    }

    public String getSessionId() {
        return sessionId;
    }

    public void setSessionId(String sessionId) {
        this.sessionId = sessionId;
    }

    public String getIdempotencyKey() {
        return idempotencyKey;
    }

    public void setIdempotencyKey(String idempotencyKey) {
        this.idempotencyKey = idempotencyKey;
    }

    public String getStartTime() {
        return startTime;
    }

    public void setStartTime(String startTime) {
        this.startTime = startTime;
    }

    public String getCompletionTime() {
        return completionTime;
    }

    public void setCompletionTime(String completionTime) {
        this.completionTime = completionTime;
    }

    public String getDuration() {
        return duration;
    }

    public void setDuration(String duration) {
        this.duration = duration;
    }

    public String getReply() {
        return reply;
    }

    public void setReply(String reply) {
        this.reply = reply;
    }

    public Boolean getReplyTruncated() {
        return replyTruncated;
    }

    public void setReplyTruncated(Boolean replyTruncated) {
        this.replyTruncated = replyTruncated;
    }

    public List<ArtifactReference> getArtifacts() {
        return artifacts;
    }

    public void setArtifacts(List<ArtifactReference> artifacts) {
        this.artifacts = artifacts;
    }

    public RunUsage getUsage() {
        return usage;
    }

    public void setUsage(RunUsage usage) {
        this.usage = usage;
    }

    public RunProgress getProgress() {
        return progress;
    }

    public void setProgress(RunProgress progress) {
        this.progress = progress;
    }

    public Boolean getUsedSandbox() {
        return usedSandbox;
    }

    public void setUsedSandbox(Boolean usedSandbox) {
        this.usedSandbox = usedSandbox;
    }

    public RunEvaluation getEvaluation() {
        return evaluation;
    }

    public void setEvaluation(RunEvaluation evaluation) {
        this.evaluation = evaluation;
    }

    public String getAgentVersion() {
        return agentVersion;
    }

    public void setAgentVersion(String agentVersion) {
        this.agentVersion = agentVersion;
    }

    public String getTraceId() {
        return traceId;
    }

    public void setTraceId(String traceId) {
        this.traceId = traceId;
    }

    public Boolean getCancelRequested() {
        return cancelRequested;
    }

    public void setCancelRequested(Boolean cancelRequested) {
        this.cancelRequested = cancelRequested;
    }
}
