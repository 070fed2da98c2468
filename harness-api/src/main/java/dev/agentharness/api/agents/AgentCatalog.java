package dev.agentharness.api.agents;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What an agent spec may refer to, as the caller of {@link AgentSpecValidator} knows it. The harness knows its tool and
 * guardrail registries and every agent of the tenant; the operator knows the Agents of a namespace but not the
 * harness's registries — it answers {@link Optional#empty()} for those and the harness checks them when the version is
 * registered ({@code PUT /agents/{name}} answers 422 naming the field).
 */
@FunctionalInterface
public interface AgentCatalog {

    /**
     * Tool names an agent may list, or empty when this caller cannot tell (then tool names are not checked): the
     * default, for callers that know only agents (the operator, a handoff check).
     */
    default Optional<Set<String>> tools() {
        return Optional.empty();
    }

    /** Guardrail names an agent may list, or empty when this caller cannot tell (the default). */
    default Optional<Set<String>> guardrails() {
        return Optional.empty();
    }

    /**
     * The handoffs of another agent this one may hand off to, for the cycle check: empty when no agent of that name is
     * known. A built-in agent answers its own handoffs.
     */
    Optional<List<String>> handoffsOf(String agent);

    /** Whether an agent with this name may be registered (built-in names are reserved by the harness). */
    default Optional<String> reservedName(String name) {
        return Optional.empty();
    }
}
