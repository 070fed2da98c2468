package dev.agentharness.runtime.evals;

import dev.agentharness.api.RunTranscript;

/**
 * Where the eval runner runs a case: a harness over HTTP ({@code --target URL}) or one booted in this process
 * ({@code --in-process}). Runs the case's history (earlier turns, same session) and then its input as real runs,
 * and answers the transcript of the last one once it has finished.
 */
public interface RunTarget {

    RunTranscript run(EvalCase evalCase) throws EvalTargetException;

    /** A link to the run's trace for reports ({@code <target>/runs/<id>/trace}, or a configured template). */
    String traceLink(RunTranscript run);
}
