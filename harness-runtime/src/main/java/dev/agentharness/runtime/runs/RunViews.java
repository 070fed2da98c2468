package dev.agentharness.runtime.runs;

import dev.agentharness.api.ArtifactRef;
import dev.agentharness.api.EvaluationResult;
import dev.agentharness.api.RunProgress;
import dev.agentharness.api.RunResponse;
import dev.agentharness.api.Usage;
import dev.agentharness.runtime.state.ArtifactIndex;
import dev.agentharness.runtime.state.EvalScores;
import dev.agentharness.runtime.state.RunRecord;
import java.util.List;

/** How stored runs look on the wire. */
final class RunViews {

    private RunViews() {
    }

    /** {@code artifactUrl}: a freshly minted link to {@code reply.md}, or null. */
    static RunResponse of(RunRecord run, ArtifactIndex.RunArtifacts artifacts, String artifactUrl) {
        return new RunResponse(
                run.runId(),
                run.sessionId(),
                run.agent(),
                run.model(),
                run.status(),
                run.reason(),
                run.reply(),
                run.usedSandbox(),
                artifactUrl,
                artifacts.error(),
                artifacts.rows().stream()
                        .map(a -> new ArtifactRef(a.name(), a.key(), a.size(), a.sha256(), a.contentType()))
                        .toList(),
                new Usage(run.inputTokens(), run.cachedInputTokens(), run.outputTokens(), run.costUsd()),
                run.traceId(),
                run.createdAt(),
                run.startedAt(),
                run.completedAt(),
                run.updatedAt(),
                new RunProgress(run.turns(), run.stepCount(), run.lastStep(), run.attempts(), run.recoveries()),
                run.sampledToPhoenix())
                .withAgentVersion(run.agentVersion());
    }

    /** Stored scores as the API shows them: inline first, then nightly, each by evaluator name. */
    static List<EvaluationResult> evaluations(List<EvalScores.StoredScore> scores) {
        return scores.stream().map(score -> new EvaluationResult(score.evaluator(), score.value(), score.label(),
                score.passed(), score.explanation(), score.source(), score.evaluatedAt())).toList();
    }
}
