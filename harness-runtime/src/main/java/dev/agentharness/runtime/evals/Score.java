package dev.agentharness.runtime.evals;

import java.util.Objects;

/**
 * One grader's verdict on one run. {@code value} is in [0, 1] (deterministic graders give 0 or 1, the judge anything
 * between); {@code label} is a short word for dashboards ({@code pass}/{@code fail}, or the judge's own label);
 * {@code explanation} says what was expected and what was found, in one or two sentences, never a secret.
 */
public record Score(String evaluator, double value, String label, boolean passed, String explanation) {

    public Score {
        Objects.requireNonNull(evaluator, "evaluator");
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException("score value must be in [0, 1]: " + value);
        }
        label = label == null ? (passed ? "pass" : "fail") : label;
        explanation = explanation == null ? "" : explanation;
    }

    public static Score pass(String evaluator, String explanation) {
        return new Score(evaluator, 1, "pass", true, explanation);
    }

    public static Score fail(String evaluator, String explanation) {
        return new Score(evaluator, 0, "fail", false, explanation);
    }
}
