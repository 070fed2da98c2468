package dev.agentharness.runtime.runs;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestValidation;
import dev.agentharness.api.sandbox.ManifestValidator;
import dev.agentharness.runtime.agent.AgentDefinitionException;
import dev.agentharness.runtime.agent.AgentLookup;
import dev.agentharness.runtime.agent.AgentRegistry;
import dev.agentharness.runtime.agent.AgentSpecs;
import dev.agentharness.runtime.evals.InlineEvaluator;
import dev.agentharness.runtime.state.RunRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The agents of a run, by version. At submission ({@link #resolve}, through {@link TenantAgents#resolve}): a built-in or
 * file agent is its registry entry and version (no query); a tenant's agent (registered with {@code PUT /agents/{name}})
 * is the pinned {@code agent_version} or else its active version, and so is every tenant agent reachable through its
 * handoffs — the run records them all ({@code runs.agent_version}, {@code runs.agent_versions}). At execution
 * ({@link #of}) the run's agents are built from exactly those recorded versions, whatever is active by then, so a
 * resumed run replays the same prompts ({@link TenantAgents#built} caches them by (principal, name, version)).
 */
@ApplicationScoped
public class RunAgents {

    private final AgentRegistry registry;
    private final TenantAgents tenants;
    private volatile Map<String, String> registryVersions;

    @Inject
    public RunAgents(AgentRegistry registry, TenantAgents tenants) {
        this.registry = registry;
        this.tenants = tenants;
    }

    /**
     * What a submission resolved.
     *
     * @param agentVersion    the version the run starts with
     * @param agentVersions   the tenant agents the run may use, the starting one included ({name: version}); empty for a
     *                        built-in or file agent
     * @param lookup          every agent the run may use, by name (these versions, then built-in and file agents)
     * @param sandboxManifest the starting agent's {@code sandboxManifest}, null when it has none
     */
    public record Resolved(String agent, String agentVersion, Map<String, String> agentVersions, AgentLookup lookup,
                           Map<String, Object> sandboxManifest) {
    }

    /** Whether {@code name} is a built-in or file agent: such a run needs no query to resolve. */
    public boolean inRegistry(String name) {
        return registry.find(name).isPresent();
    }

    /**
     * The agent a new run of {@code principal} starts with, and the versions it will use.
     *
     * @param pinned the request's {@code agent_version}, or null for the active version
     * @throws RunRejectedException 400 for an agent nobody defined, 422 naming {@code agent_version} for a version the
     *                              agent does not have, 409 for a tenant agent without an active version
     */
    public Resolved resolve(String principal, String name, String pinned) {
        TenantAgents.Resolution resolution = tenants.resolve(principal, name, pinned);
        AgentLookup lookup;
        try {
            // Builds the tenant versions now (cached): the executor on this replica finds them built.
            lookup = resolution.tenantVersions().isEmpty() ? registry
                    : tenants.lookup(principal, resolution.tenantVersions());
        } catch (AgentDefinitionException e) {
            // Validated when registered: only a tool or guardrail removed from this harness since gets here.
            throw RunRejectedException.unprocessable("field 'agent': agent '" + name + "' cannot run on this harness: "
                    + e.getMessage(), Map.of("field", "agent"));
        }
        return new Resolved(name, resolution.version(), resolution.tenantVersions(), lookup,
                manifestField(resolution.spec()));
    }

    /**
     * A run's agents as recorded at its submission. Database failures propagate (the caller retries through an
     * outage); a recorded version that is gone or no longer builds is a {@link RunLookup#problem()}.
     */
    public RunLookup of(RunRecord run) {
        if (run.agentVersions().isEmpty()) {
            return new RunLookup(registry, null, registry.spec(run.agent()).map(RunAgents::manifestField).orElse(null),
                    null);
        }
        Map<String, AgentSpecs.Built> built;
        try {
            built = tenants.built(run.principal(), run.agentVersions());
        } catch (AgentDefinitionException e) {
            return RunLookup.failed("a recorded agent version cannot run on this harness: " + e.getMessage());
        }
        for (Map.Entry<String, String> recorded : run.agentVersions().entrySet()) {
            if (!built.containsKey(recorded.getKey())) {
                return RunLookup.failed("version " + recorded.getValue() + " of agent '" + recorded.getKey()
                        + "', recorded when the run was submitted, is no longer stored");
            }
        }
        Map<String, AgentSpecs.Built> byName = Map.copyOf(built);
        AgentLookup lookup = name -> {
            AgentSpecs.Built agent = byName.get(name);
            return agent != null ? Optional.of(agent.agent()) : registry.find(name);
        };
        AgentSpecs.Built start = byName.get(run.agent());
        return new RunLookup(lookup, start == null ? null : start.evaluators(),
                start == null ? null : start.sandboxManifest(), null);
    }

    /**
     * The agents a run may use, the starting agent's inline evaluators when they are not the registry's (null) and its
     * {@code sandboxManifest} (null for none), or why they cannot be had ({@code problem}; then the rest is null).
     */
    public record RunLookup(AgentLookup agents, List<InlineEvaluator> evaluators, Map<String, Object> manifest,
                            String problem) {

        static RunLookup failed(String problem) {
            return new RunLookup(null, null, null, problem);
        }

        /** The starting agent's {@code sandboxManifest}, normalised; null when it has none. */
        public Manifest sandboxManifest() {
            if (manifest == null) {
                return null;
            }
            ManifestValidation validation = ManifestValidator.validate(manifest);
            if (!validation.valid()) {
                // Validated when registered (or when the agent file was read): only a harness downgrade gets here.
                throw new IllegalStateException("the agent's sandboxManifest is no longer valid: "
                        + validation.summary());
            }
            return validation.manifest();
        }
    }

    /**
     * The version of each agent a run may use, by name, as its spans show them ({@code gen_ai.agent.version}): the
     * built-in and file agents' own, then the run's recorded ones. A run stored before versions shows none for its
     * agent.
     */
    public Map<String, String> versionsOf(RunRecord run) {
        Map<String, String> all = new HashMap<>(registryVersions());
        all.putAll(run.agentVersions());
        if (run.agentVersion() != null) {
            all.put(run.agent(), run.agentVersion());
        } else {
            all.remove(run.agent());
        }
        return all;
    }

    private Map<String, String> registryVersions() {
        Map<String, String> known = registryVersions;
        if (known == null) {
            Map<String, String> all = new HashMap<>();
            for (String name : registry.names()) {
                registry.version(name).ifPresent(version -> all.put(name, version));
            }
            known = Map.copyOf(all);
            registryVersions = known; // the registry never changes: a race computes the same map twice
        }
        return known;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> manifestField(Map<String, Object> spec) {
        return spec != null && spec.get("sandboxManifest") instanceof Map<?, ?> manifest
                ? (Map<String, Object>) manifest : null;
    }
}
