package dev.agentharness.runtime.agent;

import dev.agentharness.runtime.model.ConversationItem;
import java.util.List;

/**
 * A finished run.
 *
 * @param newItems the items this run added to the conversation (user input first), for the session history
 * @param turns    model calls made
 * @param steps    every step of the run in journal order, replayed ones included
 */
public record RunResult(
        String finalOutput,
        String lastAgent,
        long inputTokens,
        long outputTokens,
        int turns,
        List<ConversationItem> newItems,
        List<TraceSpan> trace,
        List<RunStep> steps) {

    public RunResult {
        newItems = List.copyOf(newItems);
        trace = List.copyOf(trace);
        steps = List.copyOf(steps);
    }
}
