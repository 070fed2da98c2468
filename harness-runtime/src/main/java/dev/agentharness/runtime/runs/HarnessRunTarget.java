package dev.agentharness.runtime.runs;

import dev.agentharness.api.RunRequest;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.runtime.evals.EvalCase;
import dev.agentharness.runtime.evals.EvalTargetException;
import dev.agentharness.runtime.evals.RunTarget;
import dev.agentharness.runtime.state.RunRecord;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The eval runner's target inside the harness: every case becomes real runs of the caller's principal, pinned to the
 * agent version under evaluation, submitted through {@link RunService} like any API call (validation, quotas, budgets)
 * — the history turns first, one after the other in one fresh session, then the input (as {@code client/HttpRunTarget}
 * does over HTTP); answers the last run's transcript. A refusal is an {@link EvalTargetException}: the case errors.
 * Every run carries {@code metadata.eval_case} and {@code metadata.agent_evaluation}.
 */
final class HarnessRunTarget implements RunTarget {

    private final RunService runs;
    private final RunTranscriptReader transcripts;
    private final String principal;
    private final String agent;
    private final String version;
    private final String evaluationId;
    private final Duration runTimeout;
    private final Clock clock;
    private final AtomicInteger transientFailures = new AtomicInteger();

    private static final int RETRIES = 3;
    private static final Duration MAX_RETRY_WAIT = Duration.ofSeconds(30);

    HarnessRunTarget(RunService runs, RunTranscriptReader transcripts, String principal, String agent, String version,
                     String evaluationId, Duration runTimeout, Clock clock) {
        this.runs = runs;
        this.transcripts = transcripts;
        this.principal = principal;
        this.agent = agent;
        this.version = version;
        this.evaluationId = evaluationId;
        this.runTimeout = runTimeout;
        this.clock = clock;
    }

    @Override
    public RunTranscript run(EvalCase evalCase) throws EvalTargetException {
        // A fresh session per case: a case never sees another's turns.
        String session = "eval-" + UUID.randomUUID();
        for (int i = 0; i < evalCase.history().size(); i++) {
            RunRecord turn = runTurn(evalCase, evalCase.history().get(i), session);
            if (!turn.status().terminal()) {
                throw new EvalTargetException("history turn " + (i + 1) + " did not finish");
            }
        }
        return transcripts.of(runTurn(evalCase, evalCase.input(), session));
    }

    private RunRecord runTurn(EvalCase evalCase, String message, String session) throws EvalTargetException {
        RunRequest request = new RunRequest(message, session, agent, evalCase.model(), null, evalCase.manifest(), null,
                null, Map.of("eval_case", evalCase.id(), "agent_evaluation", evaluationId), null, null, version);
        RunRecord run = submit(request);
        Instant deadline = clock.instant().plus(runTimeout);
        while (!run.status().terminal()) {
            if (Thread.currentThread().isInterrupted()) {
                throw new EvalTargetException("interrupted while run " + run.runId() + " was running");
            }
            if (clock.instant().isAfter(deadline)) {
                throw new EvalTargetException("run " + run.runId() + " did not finish within " + runTimeout);
            }
            run = runs.awaitResult(run, principal);
        }
        return run;
    }

    /**
     * Submits one turn; a refusal that says "later" (a quota, a budget window, the database) is tried again after its
     * {@code Retry-After} (at most {@link #MAX_RETRY_WAIT} each, {@link #RETRIES} times), then counted as transient.
     */
    private RunRecord submit(RunRequest request) throws EvalTargetException {
        for (int attempt = 0; ; attempt++) {
            try {
                return runs.submit(principal, null, request).run();
            } catch (RunRejectedException e) {
                boolean later = e.kind() == RunRejectedException.Kind.THROTTLED
                        || e.kind() == RunRejectedException.Kind.UNAVAILABLE;
                if (!later || attempt >= RETRIES) {
                    if (later) {
                        transientFailures.incrementAndGet();
                    }
                    throw new EvalTargetException("the harness refused the run: " + e.getMessage(), e);
                }
                Duration wait = Duration.ofSeconds(e.retryAfterSeconds().orElse(1));
                try {
                    Thread.sleep(wait.compareTo(MAX_RETRY_WAIT) > 0 ? MAX_RETRY_WAIT : wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new EvalTargetException("interrupted while waiting to submit a run", interrupted);
                }
            }
        }
    }

    /**
     * How many cases could not run because the harness said "later" (throttled or unavailable) even after retries: an
     * evaluation with any such case is an {@code error} (ask again), never a verdict about the version.
     */
    int transientFailures() {
        return transientFailures.get();
    }

    @Override
    public String traceLink(RunTranscript run) {
        // Relative, as the API's Location headers: correct behind any ingress path prefix.
        return "/runs/" + run.runId() + "/trace";
    }
}
