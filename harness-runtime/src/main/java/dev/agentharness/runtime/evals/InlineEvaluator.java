package dev.agentharness.runtime.evals;

import java.util.Objects;

/**
 * An evaluator declared with an agent ({@code evaluators: [{name, <grader kind>: <config>, sample}]}): graded after
 * runs of that agent, on a {@code sample} fraction (0..1) of them. {@code grader.name()} is {@code name}.
 */
public record InlineEvaluator(String name, Grader grader, double sample) {

    public InlineEvaluator {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(grader, "grader");
        if (!(sample >= 0 && sample <= 1)) {
            throw new IllegalArgumentException("sample must be in [0, 1]: " + sample);
        }
    }
}
