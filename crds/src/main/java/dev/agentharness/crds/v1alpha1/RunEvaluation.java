package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.List;

/**
 * The evaluators' verdicts on a finished run (the harness's {@code GET /runs/{id}} {@code evaluations}): counts and
 * one short line per evaluator, at most {@link #MAX_RESULTS}. Explanations stay on the harness (they quote the run).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RunEvaluation {

    public static final int MAX_RESULTS = 16;

    @JsonPropertyDescription("How many evaluators passed.")
    private Integer passed;

    @JsonPropertyDescription("How many evaluators failed.")
    private Integer failed;

    @JsonPropertyDescription("One entry per evaluator (at most 16), by name; GET /runs/{runId} on the harness has the "
            + "explanations.")
    private List<Result> results;

    public RunEvaluation() {
    }

    public RunEvaluation(Integer passed, Integer failed, List<Result> results) {
        this.passed = passed;
        this.failed = failed;
        this.results = results;
    }

    public Integer getPassed() {
        return passed;
    }

    public void setPassed(Integer passed) {
        this.passed = passed;
    }

    public Integer getFailed() {
        return failed;
    }

    public void setFailed(Integer failed) {
        this.failed = failed;
    }

    public List<Result> getResults() {
        return results;
    }

    public void setResults(List<Result> results) {
        this.results = results;
    }

    /** One evaluator's verdict. The score is a decimal string (no floating point in resources). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Result {

        @JsonPropertyDescription("The evaluator's name, as declared with the agent.")
        private String name;

        @JsonPropertyDescription("Score from 0 to 1 as a decimal string, e.g. \"0.85\".")
        private String score;

        @JsonPropertyDescription("A short word: pass, fail, or a judge's own label.")
        private String label;

        @JsonPropertyDescription("Whether this evaluator passed the run.")
        private Boolean passed;

        @JsonPropertyDescription("inline (right after the run) or nightly.")
        private String source;

        public Result() {
        }

        public Result(String name, String score, String label, Boolean passed, String source) {
            this.name = name;
            this.score = score;
            this.label = label;
            this.passed = passed;
            this.source = source;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public String getScore() {
            return score;
        }

        public void setScore(String score) {
            this.score = score;
        }

        public String getLabel() {
            return label;
        }

        public void setLabel(String label) {
            this.label = label;
        }

        public Boolean getPassed() {
            return passed;
        }

        public void setPassed(Boolean passed) {
            this.passed = passed;
        }

        public String getSource() {
            return source;
        }

        public void setSource(String source) {
            this.source = source;
        }
    }
}
