package dev.agentharness.api.agents;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Golden-set evaluations of an agent version, run by the harness (the eval runner of docs/evals.md, every case a real
 * run of the caller pinned to the version). The operator's promotion gate asks for one when an Agent's spec changed and
 * activates the version only when it passed.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public interface AgentEvaluationsApi {

    /**
     * Starts a golden-set evaluation of one version: {@code 202} with the evaluation ({@code status: running}) and
     * {@code Location}; the same version + dataset + baseline + threshold again answers the existing one ({@code 200}),
     * unless it ended in {@code error}.
     */
    @POST
    @Path("agents/{name}/evaluations")
    @Consumes(MediaType.APPLICATION_JSON)
    Response evaluateAgent(@PathParam("name") String name, AgentEvaluationRequest request);

    @GET
    @Path("agents/{name}/evaluations/{id}")
    AgentEvaluation getAgentEvaluation(@PathParam("name") String name, @PathParam("id") String evaluationId);
}
