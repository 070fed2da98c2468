package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Which version of the agent serves runs, which one is waiting, and why. */
@JsonClassDescription("Which version of the agent serves runs, which one is waiting for its evaluation, and why; written by"
        + " the operator only.")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentStatus {

    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("The Ready condition: True with reason Active when the spec's version serves runs; False "
            + "with Invalid (the message names the field), Evaluating or EvaluationFailed (the message names the "
            + "failing cases) while an older version — activeVersion — keeps serving.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("The version that serves AgentRuns naming this agent (sha256: of the registered spec).")
    private String activeVersion;

    @JsonPropertyDescription("The spec's version while it is not active yet (being evaluated, or failed); absent when "
            + "the spec's version is active.")
    private String candidateVersion;

    @JsonPropertyDescription("The last golden-set evaluation: of the candidate, or of the active version when it "
            + "passed.")
    private AgentEvaluationStatus lastEvaluation;

    public Optional<Condition> condition(String type) {
        return conditions == null ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
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

    public String getActiveVersion() {
        return activeVersion;
    }

    public void setActiveVersion(String activeVersion) {
        this.activeVersion = activeVersion;
    }

    public String getCandidateVersion() {
        return candidateVersion;
    }

    public void setCandidateVersion(String candidateVersion) {
        this.candidateVersion = candidateVersion;
    }

    public AgentEvaluationStatus getLastEvaluation() {
        return lastEvaluation;
    }

    public void setLastEvaluation(AgentEvaluationStatus lastEvaluation) {
        this.lastEvaluation = lastEvaluation;
    }
}
