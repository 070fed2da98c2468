package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.state.RunJournal;
import dev.agentharness.runtime.state.RunReads;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Live events of a run, read from its journal ({@code public.run_steps}): who may follow which run, from where, and
 * the streams open on this replica. Knows no HTTP: the resource turns a {@link RunEventStream} into server-sent events.
 */
@ApplicationScoped
public class RunEvents {

    /** Where a reconnecting client says it stopped (the SSE standard header). */
    public static final String LAST_EVENT_ID = "Last-Event-ID";
    /** The same as a query parameter, for clients that cannot set headers. */
    public static final String AFTER = "after";

    private final RunReads runs;
    private final RunJournal journal;
    private final RunEventsNotifier notifier;
    private final RunEventSettings settings;
    private final AtomicInteger open = new AtomicInteger();

    public RunEvents(RunReads runs, RunJournal journal, RunEventsNotifier notifier, RunEventSettings settings) {
        this.runs = runs;
        this.journal = journal;
        this.notifier = notifier;
        this.settings = settings;
    }

    /**
     * Follows {@code principal}'s run from after the step named by {@code lastEventId} (the header) or, without it,
     * by {@code after} (the query parameter); from the first step without either. A cursor past the journal's end is
     * fine: the stream waits for that step.
     *
     * @throws RunRejectedException INVALID naming the header or parameter when it is not a step number; NOT_FOUND for
     *                              an unknown run or another principal's
     */
    public RunEventStream follow(String runId, String principal, String lastEventId, String after) {
        int cursor = present(lastEventId) ? cursor(lastEventId, "header '" + LAST_EVENT_ID + "'")
                : present(after) ? cursor(after, "query parameter '" + AFTER + "'") : 0;
        return open(runId, principal, cursor);
    }

    /** Follows a run from its first step. */
    public RunEventStream followFromStart(String runId, String principal) {
        return open(runId, principal, 0);
    }

    /**
     * Submits like {@code POST /runs} ({@link RunService#submit}: the same validation, idempotency and refusals, all
     * before anything is streamed) and follows the run from its first step; an idempotent replay follows the original.
     */
    public RunEventStream submitAndFollow(RunService service, String principal, String idempotencyKey,
                                          dev.agentharness.api.RunRequest request) {
        return followFromStart(service.submit(principal, idempotencyKey, request).run().runId(), principal);
    }

    /** Event streams open on this replica right now. */
    public int openStreams() {
        return open.get();
    }

    private RunEventStream open(String runId, String principal, int cursor) {
        if (runs.find(runId, principal).isEmpty()) {
            throw RunRejectedException.notFound("run '" + runId + "' not found");
        }
        open.incrementAndGet();
        return new RunEventStream(runId, principal, cursor, runs, journal, notifier, settings, open::decrementAndGet);
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }

    private static int cursor(String value, String name) {
        try {
            int seq = Integer.parseInt(value.strip());
            if (seq >= 0) {
                return seq;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw RunRejectedException.invalid(name + " must be the id of an event of this stream: a whole number "
                + "from 0 (0 = from the first step)");
    }
}
