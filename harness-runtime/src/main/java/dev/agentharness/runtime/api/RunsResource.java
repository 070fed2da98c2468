package dev.agentharness.runtime.api;

import dev.agentharness.api.HarnessApi;
import dev.agentharness.api.HealthResponse;
import dev.agentharness.api.RunPage;
import dev.agentharness.api.RunRequest;
import dev.agentharness.api.RunResponse;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.api.SessionResponse;
import dev.agentharness.api.UsageReport;
import dev.agentharness.runtime.runs.HealthReport;
import dev.agentharness.runtime.runs.RunQueries;
import dev.agentharness.runtime.runs.RunService;
import dev.agentharness.runtime.runs.UsageReports;
import dev.agentharness.runtime.security.Caller;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import java.util.Optional;

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
    private final UsageReports usage;

    public RunsResource(RunService service, RunQueries queries, Caller caller, HealthReport health,
                        UsageReports usage) {
        this.usage = usage;
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
    public RunTranscript getTranscript(String runId) {
        return queries.transcript(runId, caller.principal());
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

    /**
     * A tenant sees its own usage only: {@code principal} may name the caller itself, and only an admin principal
     * ({@code HARNESS_ADMIN_PRINCIPALS}) may name another, or {@code *} for every principal.
     */
    @Override
    public UsageReport usage(String from, String to, String groupBy, String principal) {
        String self = caller.principal();
        Optional<String> scope;
        if (principal == null || principal.equals(self)) {
            scope = Optional.of(self);
        } else if (principal.isBlank()) {
            throw ApiException.badRequest("parameter 'principal' must name a principal, or be * for every one");
        } else if (!caller.isAdmin()) {
            throw new ApiException(403, "Forbidden", "parameter 'principal': only an admin principal "
                    + "(HARNESS_ADMIN_PRINCIPALS) may read another principal's usage");
        } else {
            scope = "*".equals(principal) ? Optional.empty() : Optional.of(principal);
        }
        return usage.report(from, to, groupBy, scope);
    }

    @Override
    public HealthResponse health() {
        return health.health();
    }
}
