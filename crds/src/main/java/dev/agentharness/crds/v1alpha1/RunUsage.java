package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * Tokens and cost of a run. The cost is a decimal string (Kubernetes API conventions avoid
 * floating-point numbers in resources).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RunUsage {

    @JsonPropertyDescription("Input tokens the run sent to the model, over all its calls.")
    private Long inputTokens;

    @JsonPropertyDescription("Input tokens served from the provider's prompt cache (part of inputTokens, billed at the cached price).")
    private Long cachedInputTokens;

    @JsonPropertyDescription("Output tokens the model produced for the run, over all its calls.")
    private Long outputTokens;

    @JsonPropertyDescription("Cost in US dollars as a decimal string, e.g. \"0.00042\".")
    private String costUsd;

    public RunUsage() {
    }

    public RunUsage(Long inputTokens, Long outputTokens, String costUsd) {
        this(inputTokens, null, outputTokens, costUsd);
    }

    public RunUsage(Long inputTokens, Long cachedInputTokens, Long outputTokens, String costUsd) {
        this.inputTokens = inputTokens;
        this.cachedInputTokens = cachedInputTokens;
        this.outputTokens = outputTokens;
        this.costUsd = costUsd;
    }

    public Long getInputTokens() {
        return inputTokens;
    }

    public void setInputTokens(Long inputTokens) {
        this.inputTokens = inputTokens;
    }

    public Long getCachedInputTokens() {
        return cachedInputTokens;
    }

    public void setCachedInputTokens(Long cachedInputTokens) {
        this.cachedInputTokens = cachedInputTokens;
    }

    public Long getOutputTokens() {
        return outputTokens;
    }

    public void setOutputTokens(Long outputTokens) {
        this.outputTokens = outputTokens;
    }

    public String getCostUsd() {
        return costUsd;
    }

    public void setCostUsd(String costUsd) {
        this.costUsd = costUsd;
    }
}
