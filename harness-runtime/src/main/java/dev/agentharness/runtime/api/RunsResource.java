package dev.agentharness.runtime.api;

import dev.agentharness.api.HarnessApi;
import dev.agentharness.api.HealthResponse;
import dev.agentharness.api.RunPage;
import dev.agentharness.api.RunRequest;
import dev.agentharness.api.RunResponse;
import dev.agentharness.api.SessionResponse;
import dev.agentharness.runtime.runs.HealthReport;
import dev.agentharness.runtime.runs.RunQueries;
import dev.agentharness.runtime.runs.RunService;
import dev.agentharness.runtime.security.Caller;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/**
 * The harness API (SPEC §3). Handlers block on the database and on run completion, so each runs
 * on its own virtual thread; thousands of synchronous callers can wait at once.
 */
@RunOnVirtualThread
public class RunsResource implements HarnessApi {

    private final RunService service;
    private final RunQueries queries;
    private final Caller caller;
    private final HealthReport health;

    public RunsResource(RunService service, RunQueries queries, Caller caller, HealthReport health) {
        this.service = service;
        this.queries = queries;
        this.caller = caller;
        this.health = health;
    }

    @Override
    public Response createRun(String idempotencyKey, String prefer, RunRequest request) {
        boolean respondAsync = prefer != null && prefer.toLowerCase().contains(RESPOND_ASYNC);
        RunService.Accepted accepted = service.accept(caller.principal(), idempotencyKey, request, respondAsync);
        // Relative on purpose (RFC 9110 allows it): correct behind any ingress path prefix.
        String location = "/runs/" + accepted.run().runId();
        if (respondAsync) {
            return Response.accepted(accepted.run()).header(HttpHeaders.LOCATION, location)
                    .header("Preference-Applied", RESPOND_ASYNC).build();
        }
        if (!accepted.finished()) {
            // Still running after the synchronous wait: hand the caller the URL to poll.
            return Response.accepted(accepted.run()).header(HttpHeaders.LOCATION, location).build();
        }
        return Response.ok(accepted.run()).header(HttpHeaders.LOCATION, location).build();
    }

    @Override
    public RunResponse getRun(String runId) {
        return queries.run(runId, caller.principal());
    }

    @Override
    public RunPage listRuns(String updatedSince, String cursor, Integer limit) {
        return queries.changed(caller.principal(), updatedSince, cursor, limit);
    }

    @Override
    public RunResponse cancelRun(String runId) {
        return queries.cancel(runId, caller.principal());
    }

    @Override
    public SessionResponse getSession(String sessionId) {
        return queries.session(sessionId, caller.principal());
    }

    @Override
    public HealthResponse health() {
        return health.health();
    }
}
