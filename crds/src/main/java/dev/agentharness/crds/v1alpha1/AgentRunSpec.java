package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * What to run. Immutable once created except {@link #cancel}: the API server enforces it with
 * the CEL rule {@link #IMMUTABLE_RULE}. To run the same task again, create an AgentRun with a
 * new name, or re-create it with a new {@link #runNonce}.
 */
@JsonClassDescription("What to run. Immutable once created except cancel; to run the same task again create an AgentRun "
        + "with a new name, or re-create it with a new runNonce.")
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = AgentRunSpec.IMMUTABLE_RULE, message = AgentRunSpec.IMMUTABLE_MESSAGE)
public class AgentRunSpec {

    /** The harness's rule for agent names. */
    public static final String AGENT_PATTERN = "^[a-z][a-z0-9_-]{0,62}$";
    /** The harness's rules for session ids and model names (RunRequestValidator). */
    public static final String SESSION_ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$";
    public static final String MODEL_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,99}$";
    public static final String RUN_NONCE_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$";
    /** Bytes of input the harness accepts by default ({@code harness.runs.max-message-bytes}). */
    public static final int MAX_INPUT = 65536;
    public static final int MAX_TURNS = 100;
    public static final int MAX_TIMEOUT_SECONDS = 3600;
    /** A week: a finished AgentRun is not meant to be kept for longer by its TTL. */
    public static final int MAX_TTL_SECONDS = 604800;

    /**
     * A transition rule (evaluated on update only): every field but {@code cancel} keeps its value,
     * and an optional field may be neither added nor removed.
     */
    public static final String IMMUTABLE_RULE = "self.agent == oldSelf.agent && self.input == oldSelf.input"
            + " && (has(self.sessionId) ? has(oldSelf.sessionId) && self.sessionId == oldSelf.sessionId : !has(oldSelf.sessionId))"
            + " && (has(self.model) ? has(oldSelf.model) && self.model == oldSelf.model : !has(oldSelf.model))"
            + " && (has(self.sandboxManifestRef) ? has(oldSelf.sandboxManifestRef)"
            + " && self.sandboxManifestRef == oldSelf.sandboxManifestRef : !has(oldSelf.sandboxManifestRef))"
            + " && (has(self.saveArtifact) ? has(oldSelf.saveArtifact) && self.saveArtifact == oldSelf.saveArtifact"
            + " : !has(oldSelf.saveArtifact))"
            + " && (has(self.maxTurns) ? has(oldSelf.maxTurns) && self.maxTurns == oldSelf.maxTurns : !has(oldSelf.maxTurns))"
            + " && (has(self.timeoutSeconds) ? has(oldSelf.timeoutSeconds) && self.timeoutSeconds == oldSelf.timeoutSeconds"
            + " : !has(oldSelf.timeoutSeconds))"
            + " && (has(self.ttlSecondsAfterFinished) ? has(oldSelf.ttlSecondsAfterFinished)"
            + " && self.ttlSecondsAfterFinished == oldSelf.ttlSecondsAfterFinished : !has(oldSelf.ttlSecondsAfterFinished))"
            + " && (has(self.runNonce) ? has(oldSelf.runNonce) && self.runNonce == oldSelf.runNonce : !has(oldSelf.runNonce))"
            + " && (has(self.budget) ? has(oldSelf.budget) && self.budget == oldSelf.budget : !has(oldSelf.budget))"
            + " && (has(self.agentVersion) ? has(oldSelf.agentVersion) && self.agentVersion == oldSelf.agentVersion"
            + " : !has(oldSelf.agentVersion))";
    public static final String AGENT_VERSION_PATTERN = "^sha256:[0-9a-f]{64}$";
    public static final String IMMUTABLE_MESSAGE = "spec is immutable except spec.cancel: to run again, "
            + "create an AgentRun with a new name or re-create this one with a new spec.runNonce";

    @Required
    @Pattern(AGENT_PATTERN)
    @JsonPropertyDescription("The agent to run: an Agent of this namespace (its active version, or spec.agentVersion), a harness built-in (maya) or an agent file of the harness.")
    private String agent;

    @Required
    @Size(min = 1, max = MAX_INPUT)
    @JsonPropertyDescription("The user's message to the agent (at most 64 KiB of UTF-8).")
    private String input;

    @Pattern(SESSION_ID_PATTERN)
    @JsonPropertyDescription("Continue this harness session (its history is the agent's context). "
            + "Without it the run gets a session of its own, derived from the run's identity.")
    private String sessionId;

    @Pattern(MODEL_PATTERN)
    @JsonPropertyDescription("Model override; the harness's default model when absent.")
    private String model;

    @JsonPropertyDescription("A SandboxManifest in the same namespace: the run gets a sandbox built from it.")
    private SandboxManifestReference sandboxManifestRef;

    @JsonPropertyDescription("Save the reply as the artifact reply.md; status.artifacts lists it.")
    private Boolean saveArtifact;

    @Min(1)
    @Max(MAX_TURNS)
    @JsonPropertyDescription("Most model turns before the run fails with MaxTurnsExceeded (harness default 10).")
    private Integer maxTurns;

    @Min(1)
    @Max(MAX_TIMEOUT_SECONDS)
    @JsonPropertyDescription("The run ends TimedOut when it takes longer than this.")
    private Integer timeoutSeconds;

    @Min(0)
    @Max(MAX_TTL_SECONDS)
    @JsonPropertyDescription("Delete this AgentRun this many seconds after it finished. Kept forever when absent.")
    private Integer ttlSecondsAfterFinished;

    @JsonPropertyDescription("Set to true to cancel the run. The only field that may change after creation.")
    private Boolean cancel;

    @Pattern(RUN_NONCE_PATTERN)
    @JsonPropertyDescription("Any new value makes an otherwise identical AgentRun run again instead of "
            + "re-attaching to the finished run of the same name and spec.")
    private String runNonce;

    @JsonPropertyDescription("What the run may spend: maxCostUsd (US dollars) and/or maxTokens; past it the run ends "
            + "Failed with reason BudgetExceeded.")
    private AgentRunBudget budget;

    @Pattern(AGENT_VERSION_PATTERN)
    @JsonPropertyDescription("Pin a version of the Agent named in spec.agent (sha256:…, one its status or the harness "
            + "listed); without it the run gets the Agent's active version. status.agentVersion records the one used.")
    private String agentVersion;

    public String getAgentVersion() {
        return agentVersion;
    }

    public void setAgentVersion(String agentVersion) {
        this.agentVersion = agentVersion;
    }

    public String getAgent() {
        return agent;
    }

    public void setAgent(String agent) {
        this.agent = agent;
    }

    public String getInput() {
        return input;
    }

    public void setInput(String input) {
        this.input = input;
    }

    public String getSessionId() {
        return sessionId;
    }

    public void setSessionId(String sessionId) {
        this.sessionId = sessionId;
    }

    public String getModel() {
        return model;
    }

    public void setModel(String model) {
        this.model = model;
    }

    public SandboxManifestReference getSandboxManifestRef() {
        return sandboxManifestRef;
    }

    public void setSandboxManifestRef(SandboxManifestReference sandboxManifestRef) {
        this.sandboxManifestRef = sandboxManifestRef;
    }

    public Boolean getSaveArtifact() {
        return saveArtifact;
    }

    public void setSaveArtifact(Boolean saveArtifact) {
        this.saveArtifact = saveArtifact;
    }

    public Integer getMaxTurns() {
        return maxTurns;
    }

    public void setMaxTurns(Integer maxTurns) {
        this.maxTurns = maxTurns;
    }

    public Integer getTimeoutSeconds() {
        return timeoutSeconds;
    }

    public void setTimeoutSeconds(Integer timeoutSeconds) {
        this.timeoutSeconds = timeoutSeconds;
    }

    public Integer getTtlSecondsAfterFinished() {
        return ttlSecondsAfterFinished;
    }

    public void setTtlSecondsAfterFinished(Integer ttlSecondsAfterFinished) {
        this.ttlSecondsAfterFinished = ttlSecondsAfterFinished;
    }

    public Boolean getCancel() {
        return cancel;
    }

    public void setCancel(Boolean cancel) {
        this.cancel = cancel;
    }

    public String getRunNonce() {
        return runNonce;
    }

    public void setRunNonce(String runNonce) {
        this.runNonce = runNonce;
    }

    public AgentRunBudget getBudget() {
        return budget;
    }

    public void setBudget(AgentRunBudget budget) {
        this.budget = budget;
    }
}
