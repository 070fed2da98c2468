package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.agent.AgentRegistry;
import dev.agentharness.runtime.evals.Grader;
import dev.agentharness.runtime.evals.InlineEvaluator;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * The nightly's view of each agent's evaluators: the inline evaluators declared with the agent (built-in or YAML
 * {@code evaluators:}, from {@link AgentRegistry#evaluators}; a {@code judge} among them grades with the configured
 * model), every one of them on every sampled run — an inline evaluator's {@code sample} rate is about live traffic,
 * the nightly sample is already a sample. Empty for an agent that declares none (or that no longer exists): the
 * nightly then grades with {@link NightlyDefaults}.
 */
@ApplicationScoped
public class NightlyEvaluators implements NightlyEvaluation.Evaluators {

    private final AgentRegistry agents;

    public NightlyEvaluators(AgentRegistry agents) {
        this.agents = agents;
    }

    @Override
    public List<Grader> of(String agent) {
        return agents.evaluators(agent).stream().map(InlineEvaluator::grader).toList();
    }
}
