package dev.agentharness.runtime.agent;

import java.util.Arrays;
import java.util.Locale;

/** What a journal step records; {@link #wire()} is the name stored, streamed as the SSE event and documented. */
public enum StepKind {
    AGENT_STARTED, GUARDRAIL, MODEL_RESPONSE, MODEL_FAILED, TOOL_STARTED, TOOL_OUTPUT, HANDOFF,
    RUN_SUCCEEDED, RUN_FAILED, RUN_TIMED_OUT, RUN_CANCELLED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the step ends the run (always the journal's last). */
    public boolean terminal() {
        return this == RUN_SUCCEEDED || this == RUN_FAILED || this == RUN_TIMED_OUT || this == RUN_CANCELLED;
    }

    public static StepKind fromWire(String wire) {
        return Arrays.stream(values()).filter(kind -> kind.wire().equals(wire)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown journal step kind '" + wire + "'"));
    }
}
