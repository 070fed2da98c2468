package dev.agentharness.runtime.agent;

import dev.agentharness.api.RunStatus;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.api.Usage;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * A run's {@link RunTranscript}: the facts of its row (status, reason, reply, usage, times) joined with what its
 * journal recorded (tool calls, handoffs, guardrails). Derived on every read, never stored: the journal stays the
 * run's single record. Pure — the caller reads the row and the steps ({@code runs/RunTranscriptReader}).
 */
public final class RunTranscripts {

    private RunTranscripts() {
    }

    /**
     * What the run row says.
     *
     * @param input     the user message the run answered (the row's {@code message})
     * @param startedAt when a worker first claimed it; {@code null} when it never ran
     * @param agentVersion the version of the agent it started with; {@code null} for runs stored before versions
     */
    public record RunFacts(String runId, String sessionId, String agent, String model, RunStatus status,
                           String reason, String input, String reply, int turns, Usage usage, String traceId,
                           OffsetDateTime createdAt, OffsetDateTime startedAt, OffsetDateTime completedAt,
                           String agentVersion) {
    }

    public static RunTranscript of(RunFacts run, List<RunStep> steps) {
        Long latencyMs = run.startedAt() != null && run.completedAt() != null
                ? Duration.between(run.startedAt(), run.completedAt()).toMillis() : null;
        int turns = Math.max(run.turns(), JournalSteps.turns(steps));
        return new RunTranscript(run.runId(), run.sessionId(), run.agent(), run.model(), run.status(), run.reason(),
                run.input(), run.reply(), JournalSteps.toolCalls(steps), JournalSteps.handoffs(steps),
                JournalSteps.guardrails(steps), turns, run.usage(), latencyMs, run.traceId(), run.createdAt(),
                run.completedAt(), run.agentVersion());
    }
}
