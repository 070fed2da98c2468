package dev.agentharness.runtime.api;

import dev.agentharness.api.agents.AgentActivation;
import dev.agentharness.api.agents.AgentVersion;
import dev.agentharness.api.agents.AgentView;
import dev.agentharness.api.agents.AgentsApi;
import dev.agentharness.runtime.runs.TenantAgents;
import dev.agentharness.runtime.security.Caller;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The agent registry (docs/agents.md): the caller's agents as immutable versions. Every call acts for the caller's
 * principal — for the operator, the namespace it delegates ({@code Agent-Harness-Namespace}, {@code ns:<namespace>}) —
 * so a tenant never sees another's agents. Refusals come from {@code runs/TenantAgents} as
 * {@code RunRejectedException} (422 with the field named in {@code field}/{@code problems}, 404, 409 reserved names).
 */
@RunOnVirtualThread
public class AgentsResource implements AgentsApi {

    private final TenantAgents agents;
    private final Caller caller;

    public AgentsResource(TenantAgents agents, Caller caller) {
        this.agents = agents;
        this.caller = caller;
    }

    @Override
    public Response registerAgent(String name, Map<String, Object> spec) {
        AgentVersion version = agents.register(caller.principal(), name, spec);
        // Relative on purpose, as for runs: correct behind any ingress path prefix.
        String location = "/agents/" + name + "/versions/" + URLEncoder.encode(version.version(),
                StandardCharsets.UTF_8);
        return Response.status(version.created() ? Response.Status.CREATED : Response.Status.OK)
                .header(HttpHeaders.LOCATION, location).entity(version).build();
    }

    @Override
    public AgentView getAgent(String name) {
        return agents.view(caller.principal(), name);
    }

    @Override
    public AgentVersion getAgentVersion(String name, String version) {
        return agents.version(caller.principal(), name, version);
    }

    @Override
    public AgentView activateAgent(String name, AgentActivation activation) {
        if (activation == null) {
            throw ApiException.badRequest("body: required, {\"version\": \"sha256:…\"}");
        }
        return agents.activate(caller.principal(), name, activation.version());
    }
}
