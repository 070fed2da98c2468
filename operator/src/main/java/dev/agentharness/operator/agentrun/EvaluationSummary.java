package dev.agentharness.operator.agentrun;

import dev.agentharness.api.EvaluationResult;
import dev.agentharness.crds.v1alpha1.RunEvaluation;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * {@code status.evaluation} from a run's {@code evaluations}: passed and failed counts over all of them, and one line
 * per evaluator (at most {@link RunEvaluation#MAX_RESULTS}). Explanations stay on the harness: they quote the run.
 */
final class EvaluationSummary {

    private EvaluationSummary() {
    }

    /** Null when the run has no evaluations (yet): the status field stays absent. */
    static RunEvaluation of(List<EvaluationResult> evaluations) {
        if (evaluations == null || evaluations.isEmpty()) {
            return null;
        }
        int passed = (int) evaluations.stream().filter(EvaluationResult::passed).count();
        List<RunEvaluation.Result> results = evaluations.stream().limit(RunEvaluation.MAX_RESULTS)
                .map(e -> new RunEvaluation.Result(e.name(), score(e.score()), e.label(), e.passed(), e.source()))
                .toList();
        return new RunEvaluation(passed, evaluations.size() - passed, results);
    }

    private static String score(double value) {
        BigDecimal rounded = BigDecimal.valueOf(value).setScale(3, RoundingMode.HALF_UP).stripTrailingZeros();
        return rounded.signum() == 0 ? "0" : rounded.toPlainString();
    }
}
