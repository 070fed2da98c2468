package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Whether the manifest is valid, for which generation, and its canonical digest. */
@JsonClassDescription("Whether the manifest is valid, for which generation, and its canonical digest; written by the "
        + "operator only.")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SandboxManifestStatus {

    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("The Ready condition: True (reason Valid) or False (reason Invalid, the message says what is wrong).")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("sha256:<hex> of the canonical manifest: equal for manifests that mean the same.")
    private String digest;

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

    public String getDigest() {
        return digest;
    }

    public void setDigest(String digest) {
        this.digest = digest;
    }
}
