package dev.agentharness.runtime.agent;

import dev.agentharness.runtime.model.ConversationItem;
import java.util.List;

/**
 * A run that failed. It carries what was done before the failure (usage, items, trace) so a failed
 * run is recorded and billed like a successful one.
 */
public class AgentRunException extends RuntimeException {

    private final FailureReason reason;
    private final String lastAgent;
    private final long inputTokens;
    private final long outputTokens;
    private final int turns;
    private final List<ConversationItem> newItems;
    private final List<TraceSpan> trace;
    private final List<RunStep> steps;

    public AgentRunException(FailureReason reason, String message, Throwable cause, String lastAgent,
                             long inputTokens, long outputTokens, int turns,
                             List<ConversationItem> newItems, List<TraceSpan> trace, List<RunStep> steps) {
        super(message, cause);
        this.reason = reason;
        this.lastAgent = lastAgent;
        this.inputTokens = inputTokens;
        this.outputTokens = outputTokens;
        this.turns = turns;
        this.newItems = List.copyOf(newItems);
        this.trace = List.copyOf(trace);
        this.steps = List.copyOf(steps);
    }

    /** Every step the run recorded before it failed, in journal order. */
    public List<RunStep> steps() {
        return steps;
    }

    public FailureReason reason() {
        return reason;
    }

    public String lastAgent() {
        return lastAgent;
    }

    public long inputTokens() {
        return inputTokens;
    }

    public long outputTokens() {
        return outputTokens;
    }

    public int turns() {
        return turns;
    }

    public List<ConversationItem> newItems() {
        return newItems;
    }

    public List<TraceSpan> trace() {
        return trace;
    }
}
