package dev.agentharness.runtime.api;

import dev.agentharness.api.HarnessApi;
import dev.agentharness.api.HealthResponse;
import dev.agentharness.api.RunPage;
import dev.agentharness.api.RunRequest;
import dev.agentharness.api.RunResponse;
import dev.agentharness.api.SessionResponse;
import dev.agentharness.runtime.runs.RunService;
import dev.agentharness.runtime.security.Caller;
import dev.agentharness.runtime.state.FeedPosition;
import dev.agentharness.runtime.state.RunRecord;
import dev.agentharness.runtime.state.RunStore;
import dev.agentharness.runtime.state.SessionStore;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The harness API (SPEC §3). Handlers block on the database and on run completion, so each runs
 * on its own virtual thread; thousands of synchronous callers can wait at once.
 */
@RunOnVirtualThread
public class RunsResource implements HarnessApi {

    private static final int MAX_PAGE = 500;
    private static final Duration CURSOR_LAG = Duration.ofSeconds(5);

    @Inject
    RunService service;

    @Inject
    RunStore runs;

    @Inject
    SessionStore sessions;

    @Inject
    Caller caller;

    @Inject
    HealthReport health;

    @Override
    public Response createRun(String idempotencyKey, String prefer, RunRequest request) {
        String principal = caller.principal();
        RunService.Submitted submitted = service.submit(principal, idempotencyKey, request);
        RunRecord run = submitted.run();
        // Relative on purpose (RFC 9110 allows it): correct behind any ingress path prefix.
        String location = "/runs/" + run.runId();
        if (prefer != null && prefer.toLowerCase().contains(RESPOND_ASYNC)) {
            return Response.accepted(service.view(run)).header(HttpHeaders.LOCATION, location)
                    .header("Preference-Applied", RESPOND_ASYNC).build();
        }
        RunRecord result = service.awaitResult(run, principal);
        if (!result.status().terminal()) {
            // Still running after the synchronous wait: hand the caller the URL to poll.
            return Response.accepted(service.view(result)).header(HttpHeaders.LOCATION, location).build();
        }
        return Response.ok(service.view(result)).header(HttpHeaders.LOCATION, location).build();
    }

    @Override
    public RunResponse getRun(String runId) {
        return service.view(runId, caller.principal())
                .orElseThrow(() -> ApiException.notFound("run '" + runId + "' not found"));
    }

    @Override
    public RunPage listRuns(String updatedSince, String cursor, Integer limit) {
        boolean hasSince = updatedSince != null && !updatedSince.isBlank();
        boolean hasCursor = cursor != null && !cursor.isBlank();
        if (hasSince && hasCursor) {
            throw ApiException.badRequest("pass either query parameter 'updated_since' (the first page) or '"
                    + FeedCursor.PARAMETER + "' (a page's next_cursor), not both");
        }
        FeedPosition from = hasCursor ? FeedCursor.decode(cursor) : null;
        if (hasSince) {
            try {
                from = FeedPosition.startingAt(OffsetDateTime.parse(updatedSince));
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest("query parameter 'updated_since' must be an ISO-8601 timestamp "
                        + "with offset, e.g. 2026-01-31T12:00:00Z");
            }
        }
        int size = limit == null ? 100 : limit;
        if (size < 1 || size > MAX_PAGE) {
            throw ApiException.badRequest("query parameter 'limit' must be between 1 and " + MAX_PAGE);
        }
        List<RunRecord> page = runs.changedAfter(caller.principal(), from, size);
        FeedPosition next = nextPosition(page, from, size);
        return new RunPage(service.views(page), next.updatedAt(), FeedCursor.encode(next));
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

    @Override
    public RunResponse cancelRun(String runId) {
        return runs.requestCancel(runId, caller.principal())
                .map(service::view)
                .orElseThrow(() -> ApiException.notFound("run '" + runId + "' not found"));
    }

    @Override
    public SessionResponse getSession(String sessionId) {
        String principal = caller.principal();
        var session = sessions.find(sessionId, principal)
                .orElseThrow(() -> ApiException.notFound("session '" + sessionId + "' not found"));
        List<SessionResponse.Turn> turns = sessions.runs(sessionId, principal).stream()
                .map(r -> new SessionResponse.Turn(r.runId(), r.agent(), r.status(), r.message(), r.reply(),
                        r.createdAt()))
                .toList();
        return new SessionResponse(session.sessionId(), session.createdAt(), session.updatedAt(), turns);
    }

    @Override
    public HealthResponse health() {
        return health.health();
    }
}
