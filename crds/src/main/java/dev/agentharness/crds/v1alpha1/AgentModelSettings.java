package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Sampling settings sent with every model call of the agent. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentModelSettings {

    @Min(0)
    @Max(2)
    @JsonPropertyDescription("Sampling temperature in [0, 2]; the model's default when absent.")
    private Double temperature;

    @Min(0)
    @Max(1)
    @JsonPropertyDescription("Nucleus sampling in [0, 1]; the model's default when absent.")
    private Double topP;

    @Min(1)
    @JsonPropertyDescription("Upper bound on output tokens per model call.")
    private Integer maxOutputTokens;

    public Double getTemperature() {
        return temperature;
    }

    public void setTemperature(Double temperature) {
        this.temperature = temperature;
    }

    public Double getTopP() {
        return topP;
    }

    public void setTopP(Double topP) {
        this.topP = topP;
    }

    public Integer getMaxOutputTokens() {
        return maxOutputTokens;
    }

    public void setMaxOutputTokens(Integer maxOutputTokens) {
        this.maxOutputTokens = maxOutputTokens;
    }
}
