package dev.agentharness.runtime.runs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/**
 * Inline evaluation ({@code harness.evals.inline.*}): the evaluators declared with each agent, graded after its runs
 * finish, off the run's path ({@link InlineEvaluations}).
 */
@ConfigMapping(prefix = "harness.evals.inline")
public interface InlineEvalSettings {

    /** {@code HARNESS_EVALS_INLINE_ENABLED}: false grades nothing after runs (the nightly job still can). */
    @WithDefault("true")
    boolean enabled();

    /**
     * {@code HARNESS_EVALS_INLINE_MAX_PENDING}: finished runs waiting for or under evaluation on this replica; a run
     * finishing while that many are pending is not evaluated (counted in {@code agentharness_evaluations_skipped_total}).
     */
    @WithDefault("256")
    int maxPending();

    /** {@code HARNESS_EVALS_INLINE_CONCURRENCY}: runs graded at once (a judge evaluator is a model call). */
    @WithDefault("8")
    int concurrency();

    /** {@code HARNESS_EVALS_JUDGE_MODEL}: the model judge evaluators ask; empty = the harness default model. */
    Optional<String> judgeModel();
}
