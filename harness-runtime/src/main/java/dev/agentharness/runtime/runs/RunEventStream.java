package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.agent.StepKind;
import dev.agentharness.runtime.state.JournalStep;
import dev.agentharness.runtime.state.RunJournal;
import dev.agentharness.runtime.state.RunRecord;
import dev.agentharness.runtime.state.RunReads;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One caller following one run's journal from a cursor: blocking reads on the caller's (virtual) thread, the run row
 * re-read every poll interval while nothing is new, woken early by {@link RunEventsNotifier} when this replica writes
 * the journal. Ends after the terminal step (or, for a run that ended without one, after an event made from its row).
 * Not thread-safe except {@link #close()}, which any thread may call to stop a {@link #next()} in progress.
 */
public final class RunEventStream implements AutoCloseable {

    private static final int PAGE = 100;

    private final String runId;
    private final String principal;
    private final RunReads runs;
    private final RunJournal journal;
    private final RunEventsNotifier notifier;
    private final Semaphore wakeup;
    private final Duration poll;
    private final Duration heartbeat;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();
    private int cursor;
    private volatile boolean finished;

    RunEventStream(String runId, String principal, int cursor, RunReads runs, RunJournal journal,
                   RunEventsNotifier notifier, RunEventSettings settings, Runnable onClose) {
        this.runId = runId;
        this.principal = principal;
        this.cursor = cursor;
        this.runs = runs;
        this.journal = journal;
        this.notifier = notifier;
        this.poll = Duration.ofMillis(settings.pollMillis());
        this.heartbeat = Duration.ofSeconds(settings.heartbeatSeconds());
        this.onClose = onClose;
        this.wakeup = notifier.listen(runId);
    }

    public String runId() {
        return runId;
    }

    /**
     * The next events, in journal order, as soon as there are any. An empty answer means either that nothing happened
     * for the heartbeat interval (send a keep-alive and call again) or that the stream is over ({@link #finished()}).
     */
    public List<RunEvent> next() throws InterruptedException {
        long deadline = System.nanoTime() + heartbeat.toNanos();
        while (!finished && !closed.get()) {
            List<RunEvent> ready = read();
            if (!ready.isEmpty() || finished) {
                return ready;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return List.of();
            }
            wakeup.tryAcquire(Math.min(left, poll.toNanos()), TimeUnit.NANOSECONDS);
            wakeup.drainPermits();
        }
        return List.of();
    }

    /** True once the terminal event was handed out, or the run is gone, or the stream was closed. */
    public boolean finished() {
        return finished || closed.get();
    }

    /** Stops following the run; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            notifier.stopListening(runId, wakeup);
            wakeup.release();
            onClose.run();
        }
    }

    /**
     * One look at the run. The row first, then the steps: a run's progress columns change in the same statement as
     * its journal (appends, completion, the lease sweep, cancelling), so a row read first never shows a terminal status
     * without its last steps being visible to the read that follows — and an idle poll costs one indexed row read.
     */
    private List<RunEvent> read() {
        Optional<RunRecord> found = runs.find(runId, principal);
        if (found.isEmpty()) {
            // Deleted meanwhile (retention): nothing more will come.
            finished = true;
            return List.of();
        }
        RunRecord run = found.get();
        if (run.stepCount() > cursor) {
            List<RunEvent> events = new ArrayList<>();
            for (JournalStep step : journal.after(runId, cursor, PAGE)) {
                events.add(RunEventRedaction.event(step));
                cursor = step.seq();
                if (StepKind.fromWire(step.kind()).terminal()) {
                    finished = true;
                    break;
                }
            }
            if (!events.isEmpty()) {
                return events;
            }
        }
        if (run.status().terminal()) {
            finished = true;
            boolean endWasJournaled = run.lastStep() != null && StepKind.fromWire(run.lastStep()).terminal();
            return endWasJournaled ? List.of() : List.of(RunEventRedaction.synthesizedEnd(run));
        }
        return List.of();
    }
}
