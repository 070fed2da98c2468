package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.Objects;

/** How far the harness run got, from its step journal, and whether it moved to another harness replica. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RunProgress {

    @JsonPropertyDescription("Model responses recorded so far.")
    private Integer turns;

    @JsonPropertyDescription("Journal steps recorded so far (model responses, tool calls, handoffs, guardrails).")
    private Integer steps;

    @JsonPropertyDescription("Kind of the last recorded step, e.g. model_response, tool_output, run_succeeded.")
    private String lastStep;

    @JsonPropertyDescription("Times a harness replica claimed the run; above 1 it moved to another replica.")
    private Integer attempts;

    @JsonPropertyDescription("Times the run was resumed from its journal after its replica died.")
    private Integer recoveries;

    public RunProgress() {
    }

    public RunProgress(Integer turns, Integer steps, String lastStep, Integer attempts, Integer recoveries) {
        this.turns = turns;
        this.steps = steps;
        this.lastStep = lastStep;
        this.attempts = attempts;
        this.recoveries = recoveries;
    }

    public Integer getTurns() {
        return turns;
    }

    public void setTurns(Integer turns) {
        this.turns = turns;
    }

    public Integer getSteps() {
        return steps;
    }

    public void setSteps(Integer steps) {
        this.steps = steps;
    }

    public String getLastStep() {
        return lastStep;
    }

    public void setLastStep(String lastStep) {
        this.lastStep = lastStep;
    }

    public Integer getAttempts() {
        return attempts;
    }

    public void setAttempts(Integer attempts) {
        this.attempts = attempts;
    }

    public Integer getRecoveries() {
        return recoveries;
    }

    public void setRecoveries(Integer recoveries) {
        this.recoveries = recoveries;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RunProgress that && Objects.equals(turns, that.turns)
                && Objects.equals(steps, that.steps) && Objects.equals(lastStep, that.lastStep)
                && Objects.equals(attempts, that.attempts) && Objects.equals(recoveries, that.recoveries);
    }

    @Override
    public int hashCode() {
        return Objects.hash(turns, steps, lastStep, attempts, recoveries);
    }
}
