package dev.agentharness.runtime.api;

import dev.agentharness.api.HarnessApi;
import dev.agentharness.api.HealthResponse;
import dev.agentharness.api.RunPage;
import dev.agentharness.api.RunRequest;
import dev.agentharness.api.RunResponse;
import dev.agentharness.api.SessionResponse;
import dev.agentharness.runtime.runs.RunService;
import dev.agentharness.runtime.security.Caller;
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
    public RunPage listRuns(String updatedSince, Integer limit) {
        OffsetDateTime since = null;
        if (updatedSince != null && !updatedSince.isBlank()) {
            try {
                since = OffsetDateTime.parse(updatedSince);
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest("query parameter 'updated_since' must be an ISO-8601 timestamp "
                        + "with offset, e.g. 2026-01-31T12:00:00Z");
            }
        }
        int size = limit == null ? 100 : limit;
        if (size < 1 || size > MAX_PAGE) {
            throw ApiException.badRequest("query parameter 'limit' must be between 1 and " + MAX_PAGE);
        }
        List<RunRecord> page = runs.updatedSince(caller.principal(), since, size);
        return new RunPage(service.views(page), nextCursor(page, since, size));
    }

    /**
     * A full page moves the cursor to its last change, so a poller drains a backlog. Otherwise the
     * cursor stops {@link #CURSOR_LAG} short of now: a change stamped earlier by a transaction
     * that commits later must still be found, so consecutive pages overlap and callers
     * de-duplicate by run id and {@code updated_at}.
     */
    private OffsetDateTime nextCursor(List<RunRecord> page, OffsetDateTime since, int size) {
        if (page.size() == size) {
            return page.getLast().updatedAt();
        }
        OffsetDateTime horizon = runs.committedHorizon(CURSOR_LAG);
        OffsetDateTime candidate = page.isEmpty() ? since : page.getLast().updatedAt();
        return candidate == null || candidate.isAfter(horizon) ? horizon : candidate;
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
