package dev.agentharness.runtime.runs;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestValidation;
import dev.agentharness.api.sandbox.ManifestValidator;
import dev.agentharness.runtime.agent.Agent;
import dev.agentharness.runtime.agent.AgentDefinitionException;
import dev.agentharness.runtime.agent.AgentLookup;
import dev.agentharness.runtime.agent.AgentRegistry;
import dev.agentharness.runtime.agent.AgentSpecs;
import dev.agentharness.runtime.evals.InlineEvaluator;
import dev.agentharness.runtime.state.AgentVersions;
import dev.agentharness.runtime.state.RunRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The agents of a run, by version. At submission ({@link #resolve}): a built-in or file agent is its registry entry
 * and version (no query); a tenant's agent (registered with {@code PUT /agents/{name}}) is the pinned
 * {@code agent_version} or else its active version, and so is every tenant agent reachable through its handoffs — the
 * run records them all ({@code runs.agent_version}, {@code runs.agent_versions}). At execution ({@link #of}) the run's
 * agents are built from exactly those recorded versions, whatever is active by then, so a resumed run replays the
 * same prompts. Versions are immutable: built agents are cached by (principal, name, version).
 */
@ApplicationScoped
public class RunAgents {

    /** How many built tenant agent versions this replica keeps. */
    static final int CACHED_VERSIONS = 1_000;

    private final AgentRegistry registry;
    private final AgentVersions versions;
    private final AgentSpecs specs;
    private final Cache<VersionKey, AgentSpecs.Built> built = Caffeine.newBuilder()
            .maximumSize(CACHED_VERSIONS).build();
    private volatile Map<String, String> registryVersions;

    private record VersionKey(String principal, String name, String version) {
    }

    @Inject
    public RunAgents(AgentRegistry registry, AgentVersions versions, AgentSpecs specs) {
        this.registry = registry;
        this.versions = versions;
        this.specs = specs;
    }

    /**
     * What a submission resolved.
     *
     * @param agentVersion  the version the run starts with (null only for a registry agent without a version)
     * @param agentVersions the tenant agents the run may use, the starting one included ({name: version}); empty for a
     *                      built-in or file agent
     * @param lookup        every agent the run may use, by name (built-in and file agents, then these versions)
     */
    public record Resolved(String agent, String agentVersion, Map<String, String> agentVersions, AgentLookup lookup,
                           AgentSpecs.Built tenantAgent) {

        /** The manifest the starting agent brings ({@code sandboxManifest}), null when it has none. */
        public Map<String, Object> sandboxManifest() {
            return tenantAgent == null ? null : tenantAgent.sandboxManifest();
        }
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
        if (inRegistry(name)) {
            String version = registry.version(name).orElse(null);
            if (pinned != null && !pinned.equals(version)) {
                throw RunRejectedException.unprocessable("field 'agent_version': agent '" + name + "' is "
                        + registry.source(name).orElse("built in") + " and has one version, " + version
                        + "; got " + pinned);
            }
            return new Resolved(name, version, Map.of(), registry, null);
        }
        Map<String, AgentVersions.StoredVersion> active = null;
        AgentVersions.StoredVersion start;
        if (pinned != null) {
            start = versions.find(principal, name, pinned).orElse(null);
            if (start == null) {
                if (versions.agent(principal, name).isEmpty()) {
                    throw RunRejectedException.invalid(unknownAgent(name));
                }
                throw RunRejectedException.unprocessable("field 'agent_version': agent '" + name + "' has no version "
                        + pinned + " (GET /agents/" + name + " lists its versions)");
            }
        } else {
            active = versions.activeVersions(principal);
            start = active.get(name);
            if (start == null) {
                if (versions.agent(principal, name).isEmpty()) {
                    throw RunRejectedException.invalid(unknownAgent(name));
                }
                throw RunRejectedException.conflict("agent '" + name + "' has no active version yet: activate one "
                        + "(PUT /agents/" + name + "/active) or pin field 'agent_version'");
            }
        }
        // The tenant agents reachable through handoffs, at their active versions now (the start at the resolved one).
        Map<String, String> recorded = new LinkedHashMap<>();
        Map<String, AgentSpecs.Built> agents = new LinkedHashMap<>();
        ArrayDeque<AgentVersions.StoredVersion> pending = new ArrayDeque<>();
        pending.add(start);
        while (!pending.isEmpty()) {
            AgentVersions.StoredVersion next = pending.poll();
            if (recorded.containsKey(next.name())) {
                continue;
            }
            AgentSpecs.Built agent = build(next);
            recorded.put(next.name(), next.version());
            agents.put(next.name(), agent);
            for (String target : agent.agent().handoffs()) {
                if (inRegistry(target) || recorded.containsKey(target)) {
                    continue;
                }
                if (active == null) {
                    active = versions.activeVersions(principal);
                }
                AgentVersions.StoredVersion targetVersion = active.get(target);
                if (targetVersion == null) {
                    throw RunRejectedException.conflict("agent '" + next.name() + "' hands off to '" + target
                            + "', which has no active version; activate one first");
                }
                pending.add(targetVersion);
            }
        }
        return new Resolved(name, start.version(), recorded, lookup(agents), agents.get(name));
    }

    /**
     * A run's agents as recorded at its submission. Database failures propagate (the caller retries through an
     * outage); a recorded version that is gone or no longer builds is a {@link RunLookup#problem()}.
     */
    public RunLookup of(RunRecord run) {
        if (run.agentVersions().isEmpty()) {
            return new RunLookup(registry, null, null);
        }
        Map<String, AgentSpecs.Built> agents = new HashMap<>();
        Map<String, String> missing = new LinkedHashMap<>();
        run.agentVersions().forEach((name, version) -> {
            AgentSpecs.Built cached = built.getIfPresent(new VersionKey(run.principal(), name, version));
            if (cached != null) {
                agents.put(name, cached);
            } else {
                missing.put(name, version);
            }
        });
        if (!missing.isEmpty()) {
            Map<String, AgentVersions.StoredVersion> stored = versions.findAll(run.principal(), missing);
            for (Map.Entry<String, String> entry : missing.entrySet()) {
                AgentVersions.StoredVersion version = stored.get(entry.getKey());
                if (version == null) {
                    return new RunLookup(null, null, "version " + entry.getValue() + " of agent '" + entry.getKey()
                            + "', recorded when the run was submitted, is no longer stored");
                }
                try {
                    agents.put(entry.getKey(), build(version));
                } catch (RunRejectedException e) {
                    return new RunLookup(null, null, e.getMessage());
                }
            }
        }
        return new RunLookup(lookup(agents), agents.get(run.agent()), null);
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

    /**
     * The agents a run may use, the tenant agent it starts with (null for a built-in or file agent), or why they
     * cannot be had ({@code problem}; then both are null).
     */
    public record RunLookup(AgentLookup agents, AgentSpecs.Built tenantAgent, String problem) {

        /** The starting tenant agent's inline evaluators; null: the registry's for the run's agent. */
        public List<InlineEvaluator> evaluators() {
            return tenantAgent == null ? null : tenantAgent.evaluators();
        }

        /** The starting tenant agent's {@code sandboxManifest}, normalised; null when it has none. */
        public Manifest sandboxManifest() {
            return tenantAgent == null ? null : manifestOf(tenantAgent.agent().name(), tenantAgent.sandboxManifest());
        }
    }

    /** An agent's {@code sandboxManifest} as a validated manifest (validated when the version was registered). */
    static Manifest manifestOf(String agent, Map<String, Object> manifest) {
        if (manifest == null) {
            return null;
        }
        ManifestValidation validation = ManifestValidator.validate(manifest);
        if (!validation.valid()) {
            throw new IllegalStateException("agent " + agent + ": sandboxManifest is no longer valid: "
                    + validation.summary());
        }
        return validation.manifest();
    }

    private AgentLookup lookup(Map<String, AgentSpecs.Built> tenant) {
        if (tenant.isEmpty()) {
            return registry;
        }
        Map<String, Agent> byName = new HashMap<>();
        tenant.forEach((name, agent) -> byName.put(name, agent.agent()));
        return name -> {
            Agent agent = byName.get(name);
            return agent != null ? Optional.of(agent) : registry.find(name);
        };
    }

    private AgentSpecs.Built build(AgentVersions.StoredVersion version) {
        return built.get(new VersionKey(version.principal(), version.name(), version.version()), key -> {
            try {
                return specs.build(version.name(), version.specJson());
            } catch (AgentDefinitionException e) {
                // Validated when registered: only a tool or guardrail removed from this harness since gets here.
                throw RunRejectedException.unprocessable("field 'agent': version " + version.version() + " of agent '"
                        + version.name() + "' cannot run on this harness: " + e.getMessage());
            }
        });
    }

    private String unknownAgent(String name) {
        return RunRequestValidator.unknownAgent(name, registry.names()).getMessage();
    }
}
