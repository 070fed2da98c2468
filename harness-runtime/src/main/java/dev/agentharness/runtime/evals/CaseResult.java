package dev.agentharness.runtime.evals;

import dev.agentharness.api.RunTranscript;

import java.util.List;
import java.util.Objects;

/**
 * One graded run: a golden case's (the eval runner) or a sampled production run's (the nightly job). Independent of
 * {@link EvalCase} on purpose: a sampled run has no case, only an id, its tags and where it came from.
 *
 * @param caseId    the case id, or the run id for a sampled run
 * @param source    where it came from: {@code file:line} of a case, {@code run <id>} for a sampled run
 * @param run       the transcript graded; {@code null} when the run could not be made ({@code error} says why)
 * @param scores    one per grader, in the case's order; empty when {@code error} is set
 * @param error     why the case could not be run or graded (target unreachable, refused), else {@code null}
 * @param traceLink a link to the run's trace, or {@code null}
 */
public record CaseResult(
        String caseId,
        List<String> tags,
        String source,
        RunTranscript run,
        List<Score> scores,
        String error,
        String traceLink) {

    public enum Outcome { PASS, FAIL, ERROR }

    public CaseResult {
        Objects.requireNonNull(caseId, "caseId");
        tags = tags == null ? List.of() : List.copyOf(tags);
        scores = scores == null ? List.of() : List.copyOf(scores);
    }

    public static CaseResult error(String caseId, List<String> tags, String source, String error) {
        return new CaseResult(caseId, tags, source, null, List.of(), error, null);
    }

    /** ERROR when it could not be run, PASS when every grader passed, else FAIL. */
    public Outcome outcome() {
        if (error != null) {
            return Outcome.ERROR;
        }
        return scores.stream().allMatch(Score::passed) ? Outcome.PASS : Outcome.FAIL;
    }

    public boolean passed() {
        return outcome() == Outcome.PASS;
    }

    public List<Score> failingScores() {
        return scores.stream().filter(score -> !score.passed()).toList();
    }

    /** What the run cost, 0 without a run. */
    public double costUsd() {
        return run == null || run.usage() == null ? 0 : run.usage().costUsd();
    }

    /** The run's latency, {@code null} without a run or while it is unknown. */
    public Long latencyMs() {
        return run == null ? null : run.latencyMs();
    }
}
