package dev.agentharness.operator.harness;

import dev.agentharness.api.agents.AgentActivation;
import dev.agentharness.api.agents.AgentEvaluation;
import dev.agentharness.api.agents.AgentEvaluationRequest;
import dev.agentharness.api.agents.AgentEvaluationsApi;
import dev.agentharness.api.agents.AgentVersion;
import dev.agentharness.api.agents.AgentView;
import dev.agentharness.api.agents.AgentsApi;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The operator's side of the harness's agent registry ({@link AgentsApi}, {@link AgentEvaluationsApi}): REST clients
 * built from the interfaces the harness implements, one pair per namespace (each sends {@code Agent-Harness-Namespace},
 * so an Agent's versions belong to the namespace's principal {@code ns:<namespace>}), failures sorted exactly like
 * {@link HarnessClient}'s: {@link HarnessUnavailableException} (retry), {@link HarnessRejectedException} (the request is
 * wrong: 422 names the field).
 */
public class HarnessAgents {

    private final HarnessClient errors;
    private final Function<String, AgentsApi> agentsFor;
    private final Function<String, AgentEvaluationsApi> evaluationsFor;
    private final Map<String, AgentsApi> agents = new ConcurrentHashMap<>();
    private final Map<String, AgentEvaluationsApi> evaluations = new ConcurrentHashMap<>();

    /**
     * @param errors         sorts failures (and counts calls) like every other harness call
     * @param agentsFor      the REST client for a namespace; it must send {@code Agent-Harness-Namespace}
     * @param evaluationsFor the same for evaluations
     */
    public HarnessAgents(HarnessClient errors, Function<String, AgentsApi> agentsFor,
                         Function<String, AgentEvaluationsApi> evaluationsFor) {
        this.errors = errors;
        this.agentsFor = agentsFor;
        this.evaluationsFor = evaluationsFor;
    }

    private AgentsApi agents(String namespace) {
        requireNamespace(namespace);
        return agents.computeIfAbsent(namespace, agentsFor);
    }

    private AgentEvaluationsApi evaluations(String namespace) {
        requireNamespace(namespace);
        return evaluations.computeIfAbsent(namespace, evaluationsFor);
    }

    private static void requireNamespace(String namespace) {
        if (namespace == null || namespace.isEmpty()) {
            throw new IllegalArgumentException("every harness call acts for a namespace");
        }
    }

    /** {@code PUT /agents/{name}}: registers the version (idempotent: the same spec answers the same version). */
    public AgentVersion register(String namespace, String name, Map<String, Object> spec) {
        return errors.call("agent-register", () -> read(agents(namespace).registerAgent(name, spec), AgentVersion.class));
    }

    /** {@code GET /agents/{name}}: the namespace's agent (or a built-in/file agent); empty when the harness has none. */
    public Optional<AgentView> agent(String namespace, String name) {
        try {
            return Optional.of(errors.call("agent-get", () -> agents(namespace).getAgent(name)));
        } catch (HarnessRejectedException e) {
            if (e.notFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** {@code GET /agents/{name}/versions/{version}}. */
    public AgentVersion version(String namespace, String name, String version) {
        return errors.call("agent-version", () -> agents(namespace).getAgentVersion(name, version));
    }

    /** {@code PUT /agents/{name}/active}: runs naming the agent without a version get this one from now on. */
    public AgentView activate(String namespace, String name, String version) {
        return errors.call("agent-activate", () -> agents(namespace).activateAgent(name, new AgentActivation(version)));
    }

    /**
     * {@code POST /agents/{name}/evaluations}: starts the golden set against a version, or answers the evaluation
     * already made of the same version, dataset, baseline and threshold (unless that one ended in {@code error}).
     */
    public AgentEvaluation evaluate(String namespace, String name, AgentEvaluationRequest request) {
        return errors.call("agent-evaluate", () -> read(evaluations(namespace).evaluateAgent(name, request),
                AgentEvaluation.class));
    }

    /** {@code GET /agents/{name}/evaluations/{id}}. */
    public AgentEvaluation evaluation(String namespace, String name, String id) {
        return errors.call("agent-evaluation", () -> evaluations(namespace).getAgentEvaluation(name, id));
    }

    /** A {@link Response}-typed method does not throw on 4xx/5xx: make it, so the failure is sorted like the rest. */
    private static <T> T read(Response response, Class<T> type) {
        try {
            if (response.getStatus() >= 400) {
                throw new WebApplicationException(response);
            }
            return response.readEntity(type);
        } finally {
            response.close();
        }
    }
}
