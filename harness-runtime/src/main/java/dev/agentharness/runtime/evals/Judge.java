package dev.agentharness.runtime.evals;

import dev.agentharness.api.RunTranscript;

/**
 * An LLM-as-judge: reads a run against a rubric and scores it. Never throws: when it cannot decide (the model
 * failed, its answer was not the expected JSON) it answers {@link Verdict#undecided}.
 */
public interface Judge {

    Verdict judge(String rubric, RunTranscript run);

    /**
     * The judge's answer. {@code score} in [0, 1] and a one-word {@code label} when it decided; when it could not,
     * {@code decided} is false and {@code explanation} says why.
     */
    record Verdict(boolean decided, double score, String label, String explanation) {

        public Verdict {
            if (!(score >= 0 && score <= 1)) {
                throw new IllegalArgumentException("score must be in [0, 1]: " + score);
            }
            explanation = explanation == null ? "" : explanation;
        }

        public static Verdict scored(double score, String label, String explanation) {
            return new Verdict(true, score, label, explanation);
        }

        public static Verdict undecided(String why) {
            return new Verdict(false, 0, "error", why);
        }
    }
}
