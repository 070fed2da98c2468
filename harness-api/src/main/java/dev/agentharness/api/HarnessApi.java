package dev.agentharness.api;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The harness HTTP contract (SPEC §3). The runtime implements it; the operator's REST client
 * calls the same interface, so both sides agree on paths, headers and bodies by construction.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public interface HarnessApi {

    String IDEMPOTENCY_KEY = "Idempotency-Key";
    String PREFER = "Prefer";
    String RESPOND_ASYNC = "respond-async";

    /**
     * Creates a run. Waits for its result unless {@code Prefer: respond-async}, in which case the
     * answer is {@code 202} with {@code Location: /runs/{id}}. The same {@code Idempotency-Key}
     * with the same body returns the same run; with a different body, {@code 409}.
     */
    @POST
    @Path("runs")
    @Consumes(MediaType.APPLICATION_JSON)
    Response createRun(@HeaderParam(IDEMPOTENCY_KEY) String idempotencyKey,
                       @HeaderParam(PREFER) String prefer,
                       RunRequest request);

    @GET
    @Path("runs/{id}")
    RunResponse getRun(@PathParam("id") String runId);

    /**
     * What the run did, built from its journal, for grading: input, tool calls with arguments and outputs, handoffs,
     * guardrails, reply, usage, latency. The run's owner only (another principal's run is a 404, like
     * {@code GET /runs/{id}}); signed links in any string are redacted.
     */
    @GET
    @Path("runs/{id}/transcript")
    RunTranscript getTranscript(@PathParam("id") String runId);

    /**
     * Runs of the caller changed at or after {@code updated_since} (ISO-8601), oldest change first
     * (ties in {@code updated_at} by run id). Start with {@code updated_since}, then pass the page's
     * {@code next_cursor} back as {@code cursor} (one or the other, not both): the cursor is an opaque
     * position over {@code (updated_at, run_id)}, so a page boundary inside a group of runs sharing one
     * timestamp never repeats or skips that group. Consecutive pages may overlap by a few seconds so that
     * no change committed late is ever skipped: de-duplicate by {@code run_id} and {@code updated_at}.
     */
    @GET
    @Path("runs")
    RunPage listRuns(@QueryParam("updated_since") String updatedSince, @QueryParam("cursor") String cursor,
                     @QueryParam("limit") Integer limit);

    @POST
    @Path("runs/{id}/cancel")
    RunResponse cancelRun(@PathParam("id") String runId);

    @GET
    @Path("sessions/{id}")
    SessionResponse getSession(@PathParam("id") String sessionId);

    /**
     * Chargeback: the caller's model calls recorded in {@code [from, to)} (ISO-8601 instants or UTC dates; {@code to}
     * exclusive; both default to today, UTC; at most 400 days), grouped by {@code group_by} ({@code principal},
     * {@code agent}, {@code agent_version} (key {@code <agent>@<version>}), {@code model}, {@code day}; default
     * {@code day}). An admin principal may pass {@code principal} to
     * read another tenant's, or {@code *} for every tenant's.
     */
    @GET
    @Path("usage")
    UsageReport usage(@QueryParam("from") String from, @QueryParam("to") String to,
                      @QueryParam("group_by") String groupBy, @QueryParam("principal") String principal);

    @GET
    @Path("health")
    HealthResponse health();
}
