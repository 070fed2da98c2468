package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.state.RunRecord;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A run this replica is executing right now: its deadline, the virtual thread that executes it, and — once the
 * dispatcher decided so — why it must stop. Stopping interrupts the thread (a model call or a tool wait in flight
 * included); the executor reads {@link #stopped()} to know what to record.
 */
public final class ActiveRun {

    /** Why the dispatcher stopped a run. */
    public enum Stop {
        /** {@code timeout_seconds} ran out: the run ends {@code timed_out}. */
        TIMED_OUT,
        /** Another replica took the run (this worker's lease ran out): nothing more may be done or recorded. */
        LEASE_LOST,
        /** This replica is shutting down and handed the run back to the queue. */
        RELEASED,
        /**
         * The run's principal was suspended (the kill switch): stopped at once, the call in flight abandoned; the run
         * ends {@code failed} with reason {@code Suspended}.
         */
        SUSPENDED
    }

    private final RunRecord run;
    private final Instant deadline;
    private final AtomicReference<Stop> stop = new AtomicReference<>();
    private volatile Thread thread;
    private volatile boolean recording;
    private volatile boolean gentle;
    private volatile boolean cancelRequested;

    public ActiveRun(RunRecord run, Instant deadline) {
        this.run = run;
        this.deadline = deadline;
        this.cancelRequested = run != null && run.cancelRequested(); // null: tests of the stop logic alone
    }

    /**
     * A caller asked to cancel the run: it stops at its next turn. Set at once by a cancel on this replica, and by
     * the lease keeper's heartbeat (which reads the flag with the lease) for a cancel another replica received.
     */
    public void requestCancel() {
        cancelRequested = true;
    }

    public boolean cancelRequested() {
        return cancelRequested;
    }

    public RunRecord run() {
        return run;
    }

    public String runId() {
        return run.runId();
    }

    /** When {@code timeout_seconds} runs out; null when the run has none. */
    public Instant deadline() {
        return deadline;
    }

    /**
     * The executor is writing the outcome. Nothing may interrupt it now: the write is itself conditional on the lease,
     * and once it committed, the heartbeat no longer sees the run as held — stopping it then would only turn a
     * recorded result into a "could not record" error.
     */
    void recording() {
        recording = true;
    }

    boolean isRecording() {
        return recording;
    }

    void attach(Thread executing) {
        this.thread = executing;
    }

    /**
     * Records the first reason to stop and interrupts the run; later reasons are ignored, but a run that was asked to
     * stop at its next step is now interrupted at once.
     */
    public void stop(Stop why) {
        if (stop.compareAndSet(null, why) || gentle) {
            gentle = false;
            interrupt();
        }
    }

    /**
     * Records {@code why} without interrupting: the run stops at its next step boundary, once the model or tool call in
     * flight has returned and its result is in the journal — so the replica that resumes it neither repays the model
     * call nor finds a side effect without its output. {@link #stop} later makes it immediate.
     */
    void stopAtNextStep(Stop why) {
        if (stop.compareAndSet(null, why)) {
            gentle = true;
        }
    }

    /**
     * Interrupts the run's thread again: a client library may swallow one interrupt (and retry), so the watchdog
     * repeats it until the run has ended. A run asked to stop at its next step is left alone until {@link #stop}.
     */
    void interrupt() {
        Thread executing = thread;
        // Never while the outcome is written: a stopped run that records (timed_out, a suspension) must get it stored.
        if (executing != null && stop.get() != null && !gentle && !recording) {
            executing.interrupt();
        }
    }

    public Optional<Stop> stopped() {
        return Optional.ofNullable(stop.get());
    }

    /**
     * Whether the run's outcome is still this replica's to record (a timed-out run records {@code timed_out}, a
     * suspended one {@code failed}).
     */
    public boolean mayRecord() {
        Stop why = stop.get();
        return why == null || why == Stop.TIMED_OUT || why == Stop.SUSPENDED;
    }

    /**
     * Whether the run stopped here without ending: another replica took it or will claim it from the queue, so what
     * it needs to continue (its sandbox checkpoints) must outlive this replica's part of it.
     */
    public boolean continuesElsewhere() {
        Stop why = stop.get();
        return why == Stop.LEASE_LOST || why == Stop.RELEASED;
    }
}
