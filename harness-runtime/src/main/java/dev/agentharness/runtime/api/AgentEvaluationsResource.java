package dev.agentharness.runtime.api;

import dev.agentharness.api.agents.AgentEvaluation;
import dev.agentharness.api.agents.AgentEvaluationRequest;
import dev.agentharness.api.agents.AgentEvaluationsApi;
import dev.agentharness.runtime.runs.AgentEvaluations;
import dev.agentharness.runtime.security.Caller;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Golden-set evaluations of the caller's agent versions ({@link AgentEvaluations}): {@code 202} for a new one,
 * {@code 200} for the same earlier one, both with {@code Location}; the caller polls the GET until it has finished.
 */
@RunOnVirtualThread
public class AgentEvaluationsResource implements AgentEvaluationsApi {

    private final AgentEvaluations evaluations;
    private final Caller caller;

    public AgentEvaluationsResource(AgentEvaluations evaluations, Caller caller) {
        this.evaluations = evaluations;
        this.caller = caller;
    }

    @Override
    public Response evaluateAgent(String name, AgentEvaluationRequest request) {
        AgentEvaluations.Outcome outcome = evaluations.start(caller.principal(), name, request);
        // Relative on purpose, as for runs: correct behind any ingress path prefix.
        String location = "/agents/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20")
                + "/evaluations/" + outcome.evaluation().id();
        return (outcome.created() ? Response.accepted(outcome.evaluation()) : Response.ok(outcome.evaluation()))
                .header(HttpHeaders.LOCATION, location).build();
    }

    @Override
    public AgentEvaluation getAgentEvaluation(String name, String evaluationId) {
        return evaluations.get(caller.principal(), name, evaluationId);
    }
}
