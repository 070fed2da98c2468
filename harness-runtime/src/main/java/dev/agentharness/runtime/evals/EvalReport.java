package dev.agentharness.runtime.evals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of one eval run: every case's result in dataset order and, with a baseline, what changed.
 *
 * @param dataset    the dataset's name as given ({@code evals/maya.jsonl})
 * @param target     where the cases ran ({@code http://…}, {@code in-process}), never with credentials
 * @param comparison the comparison with the baseline; {@link Comparison#NONE} without one
 */
public record EvalReport(
        String dataset,
        String target,
        Instant started,
        Instant finished,
        List<CaseResult> results,
        Comparison comparison) {

    /** The runner's exit codes (shared with the CLI). */
    public static final int OK = 0;
    public static final int REGRESSION = 1;
    public static final int BAD_INPUT = 2;
    public static final int TARGET_UNREACHABLE = 3;

    public EvalReport {
        Objects.requireNonNull(dataset, "dataset");
        results = List.copyOf(results);
        comparison = comparison == null ? Comparison.NONE : comparison;
    }

    /**
     * What changed against the baseline (the cases that passed when it was written).
     *
     * @param regressions baseline cases that fail or error now, in dataset order
     * @param newPasses   cases passing now that the baseline does not list
     */
    public record Comparison(boolean hasBaseline, List<String> regressions, List<String> newPasses) {

        public static final Comparison NONE = new Comparison(false, List.of(), List.of());

        public Comparison {
            regressions = List.copyOf(regressions);
            newPasses = List.copyOf(newPasses);
        }
    }

    public Duration wallTime() {
        return Duration.between(started, finished);
    }

    public long count(CaseResult.Outcome outcome) {
        return results.stream().filter(result -> result.outcome() == outcome).count();
    }

    /** Ids of the cases that pass now, in dataset order: what {@code --update-baseline} writes. */
    public List<String> passingIds() {
        return results.stream().filter(CaseResult::passed).map(CaseResult::caseId).toList();
    }

    /**
     * {@link #REGRESSION} when a baseline case fails or errors now — or, without a baseline, when any case does;
     * else {@link #OK}. Cases outside the baseline that fail do not fail a run with a baseline: they never passed.
     */
    public int exitCode() {
        if (comparison.hasBaseline()) {
            return comparison.regressions().isEmpty() ? OK : REGRESSION;
        }
        return results.stream().allMatch(CaseResult::passed) ? OK : REGRESSION;
    }
}
