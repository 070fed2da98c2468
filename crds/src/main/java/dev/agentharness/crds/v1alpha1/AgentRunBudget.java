package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;

/**
 * What one run may spend. The harness checks it before every model call and ends the run {@code failed} with reason
 * {@code BudgetExceeded} (the AgentRun's reason {@code BudgetExceeded}) once it would go past it. Both are optional,
 * both must be greater than zero.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentRunBudget {

    @Min(value = 0, inclusive = false)
    @JsonPropertyDescription("Most US dollars the run may spend on model calls (the harness's max_cost_usd), > 0.")
    private Double maxCostUsd;

    @Min(value = 0, inclusive = false)
    @JsonPropertyDescription("Most input + output tokens the run may use (the harness's max_tokens), > 0.")
    private Long maxTokens;

    public AgentRunBudget() {
    }

    public AgentRunBudget(Double maxCostUsd, Long maxTokens) {
        this.maxCostUsd = maxCostUsd;
        this.maxTokens = maxTokens;
    }

    public Double getMaxCostUsd() {
        return maxCostUsd;
    }

    public void setMaxCostUsd(Double maxCostUsd) {
        this.maxCostUsd = maxCostUsd;
    }

    public Long getMaxTokens() {
        return maxTokens;
    }

    public void setMaxTokens(Long maxTokens) {
        this.maxTokens = maxTokens;
    }
}
