package dev.agentharness.runtime.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.runtime.runs.RunQueries;
import dev.agentharness.runtime.security.Caller;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /runs/{id}/trace}: the agent trace persisted with the run (spans of model calls, tools, handoffs). */
@Path("/runs/{id}/trace")
@RunOnVirtualThread
public class TraceResource {

    private final RunQueries queries;
    private final Caller caller;
    private final ObjectMapper json;

    public TraceResource(RunQueries queries, Caller caller, ObjectMapper json) {
        this.queries = queries;
        this.caller = caller;
        this.json = json;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public JsonNode trace(@PathParam("id") String runId) throws Exception {
        RunQueries.RunTrace trace = queries.trace(runId, caller.principal());
        ObjectNode body = json.createObjectNode();
        body.put("run_id", trace.runId());
        body.put("trace_id", trace.traceId());
        body.put("created_at", trace.createdAt().toString());
        body.set("spans", json.readTree(trace.spansJson()));
        return body;
    }
}
