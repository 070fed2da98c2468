package dev.agentharness.crds.v1alpha1;

/** A one-word summary of where an {@link AgentRun} is; the {@code Succeeded} condition has the detail. */
public enum AgentRunPhase {
    Pending,
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    TimedOut;

    public boolean finished() {
        return this == Succeeded || this == Failed || this == Cancelled || this == TimedOut;
    }
}
