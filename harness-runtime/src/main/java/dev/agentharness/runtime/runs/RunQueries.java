package dev.agentharness.runtime.runs;

import dev.agentharness.api.RunPage;
import dev.agentharness.api.RunResponse;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.api.SessionResponse;
import dev.agentharness.runtime.state.FeedPosition;
import dev.agentharness.runtime.state.RunRecord;
import dev.agentharness.runtime.state.RunCompletions;
import dev.agentharness.runtime.state.RunReads;
import dev.agentharness.runtime.state.SessionStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Everything a caller reads about their runs, and cancel: one run, the change feed (and its cursor), a session's
 * turns, a run's trace. The API asks here instead of reaching into the stores, so the record behind a run can
 * change without touching a resource. Unknown or foreign ids are {@link RunRejectedException.Kind#NOT_FOUND} alike.
 */
@ApplicationScoped
public class RunQueries {

    static final int MAX_PAGE = 500;
    private static final int DEFAULT_PAGE = 100;
    private static final Duration CURSOR_LAG = Duration.ofSeconds(5);

    private final RunReads runs;
    private final RunCompletions completions;
    private final RunDispatcher dispatcher;
    private final SessionStore sessions;
    private final RunService views;
    private final RunOutcomeMetrics outcomeMetrics;
    private final RunTranscriptReader transcripts;

    public RunQueries(RunReads runs, RunCompletions completions, SessionStore sessions, RunService views,
                      RunDispatcher dispatcher, RunOutcomeMetrics outcomeMetrics, RunTranscriptReader transcripts) {
        this.transcripts = transcripts;
        this.outcomeMetrics = outcomeMetrics;
        this.dispatcher = dispatcher;
        this.runs = runs;
        this.completions = completions;
        this.sessions = sessions;
        this.views = views;
    }

    /** A run's trace as stored at completion: its spans are the JSON array {@code spansJson}. */
    public record RunTrace(String runId, String traceId, String spansJson, OffsetDateTime createdAt) {
    }

    public RunResponse run(String runId, String principal) {
        return views.view(runId, principal).orElseThrow(() -> runNotFound(runId));
    }

    /** What the run did so far (its journal), for grading; the owner's only. */
    public RunTranscript transcript(String runId, String principal) {
        return transcripts.read(runId, principal).orElseThrow(() -> runNotFound(runId));
    }

    /**
     * A page of the caller's runs changed since {@code updatedSince} (the first page) or since a page's
     * {@code cursor}; both are query parameters, named in the refusal when wrong.
     */
    public RunPage changed(String principal, String updatedSince, String cursor, Integer limit) {
        boolean hasSince = updatedSince != null && !updatedSince.isBlank();
        boolean hasCursor = cursor != null && !cursor.isBlank();
        if (hasSince && hasCursor) {
            throw RunRejectedException.invalid("pass either query parameter 'updated_since' (the first page) or '"
                    + FeedCursor.PARAMETER + "' (a page's next_cursor), not both");
        }
        FeedPosition from = hasCursor ? FeedCursor.decode(cursor) : null;
        if (hasSince) {
            try {
                from = FeedPosition.startingAt(OffsetDateTime.parse(updatedSince));
            } catch (DateTimeParseException e) {
                throw RunRejectedException.invalid("query parameter 'updated_since' must be an ISO-8601 timestamp "
                        + "with offset, e.g. 2026-01-31T12:00:00Z");
            }
        }
        int size = limit == null ? DEFAULT_PAGE : limit;
        if (size < 1 || size > MAX_PAGE) {
            throw RunRejectedException.invalid("query parameter 'limit' must be between 1 and " + MAX_PAGE);
        }
        List<RunRecord> page = runs.changedAfter(principal, from, size);
        FeedPosition next = nextPosition(page, from, size);
        return new RunPage(views.views(page), next.updatedAt(), FeedCursor.encode(next));
    }

    /**
     * A full page moves the cursor just past its last run, so a poller drains a backlog — even one where more
     * runs than {@code limit} share a timestamp. Otherwise the cursor stops {@link #CURSOR_LAG} short of now:
     * a change stamped earlier by a transaction that commits later must still be found, so consecutive pages
     * overlap and callers de-duplicate by run id and {@code updated_at}.
     */
    private FeedPosition nextPosition(List<RunRecord> page, FeedPosition from, int size) {
        if (page.size() == size) {
            return FeedPosition.after(page.getLast());
        }
        OffsetDateTime horizon = runs.committedHorizon(CURSOR_LAG);
        FeedPosition candidate = page.isEmpty() ? from : FeedPosition.after(page.getLast());
        return candidate == null || candidate.updatedAt().isAfter(horizon) ? FeedPosition.startingAt(horizon) : candidate;
    }

    /** Asks the run's worker to stop; the run as it stands now (a finished run stays as it finished). */
    public RunResponse cancel(String runId, String principal) {
        RunCompletions.Cancel cancel = completions.cancel(runId, principal).orElseThrow(() -> runNotFound(runId));
        if (cancel.endedQueued()) {
            outcomeMetrics.finished(cancel.run(), List.of()); // ended here, before any worker: no journal to read
        }
        RunResponse run = views.view(cancel.run());
        dispatcher.cancelRequested(runId); // running here: stops at its next turn (elsewhere: by the next heartbeat)
        return run;
    }

    public SessionResponse session(String sessionId, String principal) {
        var session = sessions.find(sessionId, principal)
                .orElseThrow(() -> RunRejectedException.notFound("session '" + sessionId + "' not found"));
        List<SessionResponse.Turn> turns = sessions.runs(sessionId, principal).stream()
                .map(r -> new SessionResponse.Turn(r.runId(), r.agent(), r.status(), r.message(), r.reply(),
                        r.createdAt()))
                .toList();
        return new SessionResponse(session.sessionId(), session.createdAt(), session.updatedAt(), turns);
    }

    public RunTrace trace(String runId, String principal) {
        return runs.trace(runId, principal)
                .map(trace -> new RunTrace(trace.runId(), trace.traceId(), trace.traceJson(), trace.createdAt()))
                .orElseThrow(() -> RunRejectedException.notFound("no trace for run '" + runId
                        + "' (unknown run, or it has not finished yet)"));
    }

    private static RunRejectedException runNotFound(String runId) {
        return RunRejectedException.notFound("run '" + runId + "' not found");
    }
}
