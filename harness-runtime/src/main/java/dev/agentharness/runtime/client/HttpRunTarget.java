package dev.agentharness.runtime.client;

import dev.agentharness.api.RunRequest;
import dev.agentharness.api.RunResponse;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.runtime.evals.EvalCase;
import dev.agentharness.runtime.evals.EvalTargetException;
import dev.agentharness.runtime.evals.RunTarget;

import java.time.Duration;
import java.util.UUID;

/**
 * Runs eval cases on a harness over HTTP: the history turns first, one after the other in one fresh session, then
 * the input; answers the last run's transcript. A refusal or an unreachable harness is an {@link EvalTargetException}
 * (the case errors, it is not graded). Every run carries {@code metadata.eval_case} so evaluation traffic can be told
 * apart from users' runs.
 */
public final class HttpRunTarget implements RunTarget {

    private final HarnessClient client;
    private final Duration runTimeout;
    /** Every turn pinned to this version of the agent ({@code agent_version}); null = the agent's active one. */
    private final String agentVersion;

    public HttpRunTarget(HarnessClient client, Duration runTimeout) {
        this(client, runTimeout, null);
    }

    public HttpRunTarget(HarnessClient client, Duration runTimeout, String agentVersion) {
        this.client = client;
        this.runTimeout = runTimeout;
        this.agentVersion = agentVersion;
    }

    @Override
    public RunTranscript run(EvalCase evalCase) throws EvalTargetException {
        // A fresh session per case and attempt: a case never sees another's (or an earlier attempt's) turns.
        String session = "eval-" + UUID.randomUUID();
        try {
            for (int i = 0; i < evalCase.history().size(); i++) {
                RunResponse turn = runTurn(evalCase, evalCase.history().get(i), session);
                if (turn.status() == null || !turn.status().terminal()) {
                    throw new EvalTargetException("history turn " + (i + 1) + " did not finish");
                }
            }
            RunResponse last = runTurn(evalCase, evalCase.input(), session);
            return client.transcript(last.runId());
        } catch (HarnessApiException e) {
            throw new EvalTargetException("the harness refused: " + e.getMessage(), e);
        } catch (HarnessUnreachableException e) {
            throw new EvalTargetException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EvalTargetException("interrupted", e);
        }
    }

    private RunResponse runTurn(EvalCase evalCase, String message, String session)
            throws HarnessApiException, HarnessUnreachableException, InterruptedException {
        RunRequest request = new RunRequest(message, session, evalCase.agent(), evalCase.model(), null,
                evalCase.manifest(), null, null, java.util.Map.of("eval_case", evalCase.id()), null, null,
                agentVersion);
        RunResponse submitted = client.submit(request, null);
        return client.awaitTerminal(submitted.runId(), runTimeout);
    }

    @Override
    public String traceLink(RunTranscript run) {
        return client.base() + "/runs/" + run.runId() + "/trace";
    }
}
