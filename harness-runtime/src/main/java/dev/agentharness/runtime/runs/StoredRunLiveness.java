package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.sandbox.RunLiveness;
import dev.agentharness.runtime.state.RunReads;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** The sandbox reaper's view of a run, read from {@code public.runs} whoever owns the run. */
@ApplicationScoped
public class StoredRunLiveness implements RunLiveness {

    private final RunReads runs;

    public StoredRunLiveness(RunReads runs) {
        this.runs = runs;
    }

    @Override
    public Optional<RunState> of(String runId) {
        return runs.findAny(runId).map(run -> new RunState(run.status().wire(), run.status().terminal()));
    }
}
