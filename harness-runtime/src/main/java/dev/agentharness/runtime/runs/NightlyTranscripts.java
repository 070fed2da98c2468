package dev.agentharness.runtime.runs;

import dev.agentharness.api.RunTranscript;
import dev.agentharness.runtime.agent.RunTranscripts;
import dev.agentharness.runtime.state.JournalStep;
import dev.agentharness.runtime.state.RunRecord;
import dev.agentharness.runtime.state.RunSamples;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Transcripts for the nightly, a batch at a time: the rows in one statement and the journals in another
 * ({@link RunSamples#runs}, {@link RunSamples#journals}) — two statements per 100 runs instead of two per run — joined
 * and redacted exactly as {@link RunTranscriptReader} does for one run.
 */
public final class NightlyTranscripts implements NightlyEvaluation.Transcripts {

    private final RunSamples samples;

    public NightlyTranscripts(RunSamples samples) {
        this.samples = samples;
    }

    @Override
    public Map<String, RunTranscript> read(List<String> runIds) {
        Map<String, List<JournalStep>> journals = samples.journals(runIds);
        Map<String, RunTranscript> transcripts = new HashMap<>();
        for (RunRecord run : samples.runs(runIds)) {
            transcripts.put(run.runId(), RunTranscriptReader.redacted(RunTranscripts.of(RunTranscriptReader.facts(run),
                    RunTranscriptReader.steps(run.runId(), journals.getOrDefault(run.runId(), List.of())))));
        }
        return transcripts;
    }
}
