package dev.agentharness.runtime.agent;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the agent loop records its steps, and what it recorded before: the run's durable memory. The loop decides
 * what must be durable before it goes on — a step whose loss would repeat something that may not be repeated (a model
 * response, the start of a side-effecting tool call) — and the journal may batch everything else with it.
 */
public interface StepJournal {

    /** Steps earlier attempts of this run recorded, oldest first: the loop replays them before doing anything new. */
    List<RunStep> recorded();

    /** Records {@code step}; it may be written later, together with the next durable one. */
    void record(RunStep step);

    /**
     * Records {@code step} and everything recorded before it, durably, before returning.
     *
     * @throws JournalFencedException when the run is no longer this worker's: nothing was written
     */
    void recordDurably(RunStep step);

    /** A journal kept in memory only: a run that cannot resume (tests, tools). */
    static StepJournal inMemory() {
        return inMemory(List.of());
    }

    /** As {@link #inMemory()}, replaying {@code earlier} first. */
    static StepJournal inMemory(List<RunStep> earlier) {
        List<RunStep> replay = List.copyOf(earlier);
        List<RunStep> written = new ArrayList<>();
        return new StepJournal() {
            @Override
            public List<RunStep> recorded() {
                return replay;
            }

            @Override
            public void record(RunStep step) {
                written.add(step);
            }

            @Override
            public void recordDurably(RunStep step) {
                written.add(step);
            }
        };
    }
}
