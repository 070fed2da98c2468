package dev.agentharness.runtime.evals;

import dev.agentharness.api.RunTranscript;

/**
 * Grades one finished run. The same graders serve the golden set (one per expectation of a case), inline evaluators
 * (declared per agent, after every run) and the nightly job. Implementations are immutable and thread-safe; a grader
 * that cannot decide (the judge's model failed) returns a failed {@link Score} saying why, never throws.
 */
public interface Grader {

    /** The grader's kind as written in a dataset or an agent file ({@code tools_called}, {@code judge}, …). */
    String kind();

    /** The name its scores are stored and reported under: the kind, or an inline evaluator's declared name. */
    default String name() {
        return kind();
    }

    Score grade(RunTranscript run);
}
