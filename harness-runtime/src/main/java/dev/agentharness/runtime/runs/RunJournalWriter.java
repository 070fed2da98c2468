package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.runtime.agent.JournalFencedException;
import dev.agentharness.runtime.agent.RunStep;
import dev.agentharness.runtime.agent.StepJournal;
import dev.agentharness.runtime.agent.StepKind;
import dev.agentharness.runtime.agent.ToolJson;
import dev.agentharness.runtime.state.JournalStep;
import dev.agentharness.runtime.state.RunJournal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * One attempt's journal: the steps earlier attempts recorded, and the fenced appends of this one. Steps the loop may
 * lose are kept until the next durable one and written with it, in one statement; the steps still pending when the
 * run ends go into the completion's transaction with the terminal step.
 */
final class RunJournalWriter implements StepJournal {

    /** A JSON {@code \\u0000} escape (not an escaped backslash followed by "u0000"). */
    private static final Pattern NUL_ESCAPE = Pattern.compile("(?<!\\\\)((?:\\\\\\\\)*)\\\\u0000");

    private final RunJournal store;
    private final RunJournal.Lease lease;
    private final List<RunStep> recorded;
    private final DurableCompletion durably;
    private final ActiveRun active;
    private final Consumer<String> written;
    private final List<RunStep> pending = new ArrayList<>();
    /** Every step of the run so far: the earlier attempts' and this one's, written or pending. */
    private final List<RunStep> journal = new ArrayList<>();
    private Consumer<RunStep> onWritten = step -> { };
    private int lastSeq;

    RunJournalWriter(RunJournal store, RunJournal.Lease lease, List<RunStep> recorded, DurableCompletion durably,
                     ActiveRun active, Consumer<String> written) {
        this.store = store;
        this.lease = lease;
        this.recorded = List.copyOf(recorded);
        this.durably = durably;
        this.active = active;
        this.written = written;
        this.lastSeq = recorded.size();
        this.journal.addAll(this.recorded);
    }

    /** The journal of {@code runId} as the store holds it, read back into steps. */
    static List<RunStep> read(RunJournal store, String runId) {
        List<RunStep> steps = new ArrayList<>();
        for (JournalStep row : store.all(runId)) {
            StepKind kind = StepKind.fromWire(row.kind());
            if (kind.terminal()) {
                break; // a run with a terminal step is not resumed; never replay past one
            }
            try {
                steps.add(new RunStep(kind, (ObjectNode) ToolJson.MAPPER.readTree(row.payloadJson())));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("journal step " + row.seq() + " of run " + runId + " is not JSON", e);
            }
        }
        return steps;
    }

    /** Told of every step once it is durable (a sandbox run prunes the checkpoints its journal has moved past). */
    void onWritten(Consumer<RunStep> listener) {
        this.onWritten = listener;
    }

    @Override
    public List<RunStep> recorded() {
        return recorded;
    }

    /** The whole journal as this attempt knows it — earlier attempts' steps, then this one's — without a terminal step. */
    List<RunStep> steps() {
        return List.copyOf(journal);
    }

    @Override
    public void record(RunStep step) {
        pending.add(step);
        journal.add(step);
    }

    @Override
    public void recordDurably(RunStep step) {
        pending.add(step);
        journal.add(step);
        List<JournalStep> batch = numbered(pending);
        int turns = (int) pending.stream().filter(s -> s.kind() == StepKind.MODEL_RESPONSE).count();
        boolean appended = durably.retry("writing the run's journal", () -> store.append(lease, batch, turns));
        if (!appended) {
            active.stop(ActiveRun.Stop.LEASE_LOST);
            throw new JournalFencedException("the journal refused step " + batch.getFirst().seq() + ": another worker "
                    + "holds the run now (lease epoch " + lease.epoch() + " is no longer current)");
        }
        lastSeq += batch.size();
        List<RunStep> durable = List.copyOf(pending);
        pending.clear();
        written.accept(lease.runId());
        durable.forEach(onWritten);
    }

    /** What the completion writes: the steps still pending, then {@code terminal}, numbered on from the journal. */
    List<JournalStep> closingSteps(RunStep terminal) {
        List<RunStep> last = new ArrayList<>(pending);
        last.add(terminal);
        return numbered(last);
    }

    /** {@code steps} as journal rows, numbered on from the last one written. */
    private List<JournalStep> numbered(List<RunStep> steps) {
        List<JournalStep> rows = new ArrayList<>(steps.size());
        int seq = lastSeq;
        for (RunStep step : steps) {
            rows.add(JournalStep.of(++seq, step.kind().wire(), payload(step)));
        }
        return rows;
    }

    private static String payload(RunStep step) {
        // jsonb cannot hold U+0000 (a tool's output may carry one): dropped, as everywhere else the harness stores text.
        String json = step.payload().toString();
        return json.contains("\\u0000") ? NUL_ESCAPE.matcher(json).replaceAll("$1") : json;
    }
}
