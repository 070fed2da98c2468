package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/**
 * The promotion gate: a changed spec serves runs only once this golden set passes against it. Not part of the agent's
 * version (it judges a version).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentEvaluationSpec {

    @Required
    @JsonPropertyDescription("The golden set, JSONL in the format of evals/ (docs/evals-format.md).")
    private DatasetSource goldenSet;

    @JsonPropertyDescription("Optional baseline (an evals/*.baseline.json file): a case it lists as passing that fails "
            + "against the candidate blocks the promotion whatever the pass rate.")
    private DatasetSource baseline;

    @Min(0)
    @Max(1)
    @JsonPropertyDescription("The pass rate in [0, 1] the candidate must reach; 1.0 (every case) when absent.")
    private Double threshold;

    public DatasetSource getGoldenSet() {
        return goldenSet;
    }

    public void setGoldenSet(DatasetSource goldenSet) {
        this.goldenSet = goldenSet;
    }

    public DatasetSource getBaseline() {
        return baseline;
    }

    public void setBaseline(DatasetSource baseline) {
        this.baseline = baseline;
    }

    public Double getThreshold() {
        return threshold;
    }

    public void setThreshold(Double threshold) {
        this.threshold = threshold;
    }
}
