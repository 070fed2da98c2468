package dev.agentharness.runtime.agent;

/**
 * What executing a tool call twice would do — the question a resumed run asks about a call that was started before
 * its replica died but has no recorded output.
 */
public enum SideEffects {
    /** Acts on something outside the harness and may not be repeated: such a call ends the run UncertainSideEffect. */
    EXTERNAL,
    /** Reads only (or is a pure function of its arguments): repeating it is harmless. */
    NONE,
    /** Acts outside, but passes {@link ToolContext#idempotencyKey()} along so that a repeat is a no-op. */
    KEYED,
    /**
     * Changes only the run's sandbox workspace, which a resumed run restores from the checkpoint taken after the last
     * recorded change: the repeat runs on the workspace as it was before the interrupted call.
     */
    SANDBOX;

    /** Whether a call that started but has no recorded output may be executed again on resume. */
    public boolean repeatable() {
        return this != EXTERNAL;
    }
}
