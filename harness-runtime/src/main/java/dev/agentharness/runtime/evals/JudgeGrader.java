package dev.agentharness.runtime.evals;

import dev.agentharness.api.RunTranscript;

import java.util.Locale;
import java.util.Optional;

/** {@code judge}: an LLM-as-judge scores the run against a rubric; passes when the score is at least the threshold. */
record JudgeGrader(String name, String rubric, double threshold, JudgeProvider judges) implements Grader {

    static final double DEFAULT_THRESHOLD = 0.7;

    @Override
    public String kind() {
        return "judge";
    }

    @Override
    public Score grade(RunTranscript run) {
        Optional<Judge> judge = judges.judge();
        if (judge.isEmpty()) {
            return new Score(name, 0, "error", false, judges.unavailableReason());
        }
        Judge.Verdict verdict;
        try {
            verdict = judge.get().judge(rubric, run);
        } catch (RuntimeException e) {
            verdict = Judge.Verdict.undecided("the judge failed: " + e.getClass().getSimpleName());
        }
        if (!verdict.decided()) {
            return new Score(name, 0, "error", false, verdict.explanation());
        }
        boolean passed = verdict.score() >= threshold;
        String comparison = String.format(Locale.ROOT, "score %.2f %s threshold %.2f", verdict.score(),
                passed ? "≥" : "<", threshold);
        String explanation = verdict.explanation().isBlank() ? comparison : comparison + ": " + verdict.explanation();
        return new Score(name, verdict.score(), verdict.label(), passed, explanation);
    }
}
