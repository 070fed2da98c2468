package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.agent.CallPricing;
import dev.agentharness.runtime.agent.JournalSteps;
import dev.agentharness.runtime.agent.RunStep;
import dev.agentharness.runtime.agent.StepKind;

import java.util.List;

/**
 * What a run's model calls used and cost: the sums over its {@code model_response} steps, replayed ones included, of
 * what each recorded when it was made. A run's {@code cost_usd} is this sum, never price × total tokens at the end.
 * Only a step written before calls were priced (no {@code cost_usd}) is priced here, once, at today's price.
 */
record RunTotals(long inputTokens, long cachedInputTokens, long outputTokens, double costUsd) {

    static RunTotals of(List<RunStep> steps, CallPricing unpricedSteps) {
        long input = 0;
        long cached = 0;
        long output = 0;
        double cost = 0;
        for (RunStep step : steps) {
            if (step.kind() != StepKind.MODEL_RESPONSE) {
                continue;
            }
            long in = step.payload().path("input_tokens").asLong();
            long cachedIn = step.payload().path("cached_input_tokens").asLong();
            long out = step.payload().path("output_tokens").asLong();
            input += in;
            cached += cachedIn;
            output += out;
            cost += JournalSteps.recordedCostUsd(step)
                    .orElseGet(() -> unpricedSteps.costUsd(step.text("model"), in, cachedIn, out));
        }
        return new RunTotals(input, cached, output, cost);
    }
}
