package dev.agentharness.api.agents;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/**
 * The harness's agent registry (docs/agents.md): a tenant's agents as immutable versions, which one is active, and
 * golden-set evaluations of a version. The runtime implements it; the operator's promotion gate calls it through a
 * REST client built from this interface. Every call acts for the caller's principal (for the operator: the
 * namespace's, {@code Agent-Harness-Namespace}).
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public interface AgentsApi {

    /**
     * Registers a version of the caller's agent {@code name} (docs/agents.md): the body is the agent spec, validated by
     * {@code agents/AgentSpecValidator} (422 naming the field). The version is {@code sha256:} of the normalised spec;
     * registering the same spec again answers the same version ({@code 200}, {@code created: false}; new: {@code 201}).
     * Versions are immutable and kept; registering does not activate (see {@link #activateAgent}). Names of the
     * harness's built-in and file agents are reserved (409).
     */
    @PUT
    @Path("agents/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    Response registerAgent(@PathParam("name") String name, Map<String, Object> spec);

    /** The caller's agent: its active version and versions, newest first; built-in and file agents too (404 unknown). */
    @GET
    @Path("agents/{name}")
    AgentView getAgent(@PathParam("name") String name);

    /** One registered version with its spec (404 unknown). */
    @GET
    @Path("agents/{name}/versions/{version}")
    AgentVersion getAgentVersion(@PathParam("name") String name, @PathParam("version") String version);

    /**
     * Makes a registered version the one runs get when they name the agent without {@code agent_version}. The
     * promotion gate (the operator) calls it once the version's golden set passed; without Kubernetes, call it
     * yourself (after {@code agent-harness eval run --agent NAME --agent-version V}, or at once).
     */
    @PUT
    @Path("agents/{name}/active")
    @Consumes(MediaType.APPLICATION_JSON)
    AgentView activateAgent(@PathParam("name") String name, AgentActivation activation);
}
