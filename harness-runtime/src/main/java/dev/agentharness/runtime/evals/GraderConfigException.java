package dev.agentharness.runtime.evals;

import java.util.Objects;

/**
 * A grader's configuration is wrong: {@code field} is its path in the declaration ({@code expect.tools_called[1].name},
 * {@code evaluators[0].sample}), {@code problem} says what is wrong. Datasets prefix it with {@code file:line},
 * agent files with theirs.
 */
public class GraderConfigException extends Exception {

    private final String field;
    private final String problem;

    public GraderConfigException(String field, String problem) {
        super(field + ": " + problem);
        this.field = Objects.requireNonNull(field, "field");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    public String field() {
        return field;
    }

    public String problem() {
        return problem;
    }
}
