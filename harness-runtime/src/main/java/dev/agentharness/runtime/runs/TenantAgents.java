package dev.agentharness.runtime.runs;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.agentharness.api.agents.AgentCatalog;
import dev.agentharness.api.agents.AgentProblem;
import dev.agentharness.api.agents.AgentSpecValidation;
import dev.agentharness.api.agents.AgentSpecValidator;
import dev.agentharness.api.agents.AgentVersion;
import dev.agentharness.api.agents.AgentView;
import dev.agentharness.runtime.agent.Agent;
import dev.agentharness.runtime.agent.AgentLookup;
import dev.agentharness.runtime.agent.AgentRegistry;
import dev.agentharness.runtime.agent.AgentSpecs;
import dev.agentharness.runtime.state.AgentVersions;
import dev.agentharness.runtime.state.AgentVersions.StoredVersion;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A tenant's own agents (docs/agents.md, {@code PUT /agents/{name}}): immutable versions validated by the shared
 * {@code AgentSpecValidator} against this harness's tools, guardrails and agents, which version is active, and — at
 * submission — which version a run gets ({@link #resolve}). Built-in and file agents ({@link AgentRegistry}) are shown
 * beside them with their one version and their names are reserved.
 */
@ApplicationScoped
public class TenantAgents {

    /** A tenant agent's versions listed by {@code GET /agents/{name}}. */
    static final int MAX_LISTED_VERSIONS = 100;
    /** Registered specs built into loop agents, by (principal, name, version): versions are immutable. */
    private static final int BUILT_CACHE_SIZE = 10_000;

    /**
     * The agent a run starts with, resolved when it is submitted.
     *
     * @param name           the agent the run names
     * @param version        the version it gets: the pinned one, else the active one; a built-in's or file agent's own
     * @param source         {@code api} (a tenant agent), {@code file} or {@code builtin}
     * @param spec           that version's registered spec (its {@code sandboxManifest}, if any, is the run's manifest
     *                       when the request brings none)
     * @param tenantVersions {name → version} of every tenant agent the run may use: the agent itself when it is a
     *                       tenant agent, and the active versions of the tenant agents reachable through handoffs, as
     *                       they are now (recorded with the run, so a resumed run replays the same prompts); empty for
     *                       a built-in or file agent
     */
    public record Resolution(String name, String version, String source, Map<String, Object> spec,
                             Map<String, String> tenantVersions) {

        public Resolution {
            tenantVersions = Map.copyOf(tenantVersions);
        }
    }

    private record BuiltKey(String principal, String name, String version) {
    }

    private final AgentVersions versions;
    private final AgentRegistry registry;
    private final AgentSpecs specs;
    private final Cache<BuiltKey, AgentSpecs.Built> built = Caffeine.newBuilder().maximumSize(BUILT_CACHE_SIZE).build();

    public TenantAgents(AgentVersions versions, AgentRegistry registry, AgentSpecs specs) {
        this.versions = versions;
        this.registry = registry;
        this.specs = specs;
    }

    /**
     * Registers a version of the tenant's agent {@code name}: validated (422 naming every field), stored if new,
     * not activated.
     *
     * @return the version; {@code created} says whether this call stored it
     * @throws RunRejectedException CONFLICT for a built-in or file agent's name, UNPROCESSABLE for a bad spec
     */
    public AgentVersion register(String principal, String name, Map<String, Object> spec) {
        reserved(name);
        AgentSpecValidation validation = AgentSpecValidator.validate(name, spec, catalog(principal),
                AgentSpecValidator.Source.HARNESS);
        List<AgentProblem> problems = new ArrayList<>(validation.problems());
        if (validation.valid()) {
            problems.addAll(specs.evaluatorProblems(validation.registered()));
        }
        if (!problems.isEmpty()) {
            throw invalid(problems);
        }
        Map<String, Object> registered = validation.registered();
        String version = validation.version();
        boolean created = versions.register(principal, name, version, AgentSpecs.json(registered));
        StoredVersion stored = versions.find(principal, name, version)
                .orElseThrow(() -> new IllegalStateException("version " + version + " of " + name + " vanished"));
        return new AgentVersion(name, version, registered, stored.createdAt(), created,
                version.equals(activeVersion(principal, name)));
    }

    /** The agent as {@code GET /agents/{name}} shows it: a tenant agent, else a built-in or file agent (404). */
    public AgentView view(String principal, String name) {
        Optional<String> source = registry.source(name);
        if (source.isPresent()) {
            String version = registry.version(name).orElseThrow();
            return new AgentView(name, source.get(), version, List.of(new AgentView.Summary(version, null, true)));
        }
        AgentVersions.AgentPointer pointer = versions.agent(principal, name)
                .orElseThrow(() -> RunRejectedException.notFound("no agent '" + printable(name) + "'"));
        List<AgentView.Summary> summaries = versions.versions(principal, name, MAX_LISTED_VERSIONS).stream()
                .map(v -> new AgentView.Summary(v.version(), v.createdAt(), v.version().equals(pointer.activeVersion())))
                .toList();
        return new AgentView(name, "api", pointer.activeVersion(), summaries);
    }

    /** One version with its spec (404 unknown agent or version). */
    public AgentVersion version(String principal, String name, String version) {
        Optional<String> own = registry.version(name);
        if (own.isPresent()) {
            if (!own.get().equals(version)) {
                throw RunRejectedException.notFound(registry.source(name).orElseThrow() + " agent '" + name
                        + "' has one version, " + own.get() + "; no version '" + printable(version) + "'");
            }
            return new AgentVersion(name, own.get(), registry.spec(name).orElseThrow(), null, false, true);
        }
        StoredVersion stored = versions.find(principal, name, version).orElseThrow(() -> RunRejectedException
                .notFound("agent '" + printable(name) + "' has no version '" + printable(version) + "'"));
        return new AgentVersion(name, version, AgentSpecs.parse(stored.specJson()), stored.createdAt(), false,
                version.equals(activeVersion(principal, name)));
    }

    /**
     * Makes a registered version the active one. Its handoffs are checked again against the tenant's agents as they
     * are now (another agent's version activated since may close a cycle): 409 naming the field.
     *
     * @throws RunRejectedException NOT_FOUND unknown agent/version, CONFLICT a built-in/file agent or a handoff cycle
     */
    public AgentView activate(String principal, String name, String version) {
        reserved(name);
        if (version == null || version.isBlank()) {
            throw RunRejectedException.unprocessable("version: required (a version of agent '" + printable(name)
                    + "', from PUT /agents/" + printable(name) + ")", Map.of("field", "version"));
        }
        StoredVersion stored = versions.find(principal, name, version).orElseThrow(() -> RunRejectedException
                .notFound("agent '" + printable(name) + "' has no version '" + printable(version) + "'"));
        AgentSpecValidation recheck = AgentSpecValidator.validate(name, AgentSpecs.parse(stored.specJson()),
                catalog(principal), AgentSpecValidator.Source.HARNESS);
        List<AgentProblem> handoffProblems = recheck.problems().stream()
                .filter(p -> p.field().startsWith("handoffs")).toList();
        if (!handoffProblems.isEmpty()) {
            throw RunRejectedException.conflict("cannot activate " + version + ": " + handoffProblems.stream()
                    .map(AgentProblem::toString).reduce((a, b) -> a + "; " + b).orElseThrow(), members(handoffProblems));
        }
        if (!versions.activate(principal, name, version)) {
            throw RunRejectedException.notFound("agent '" + printable(name) + "' has no version '"
                    + printable(version) + "'");
        }
        return view(principal, name);
    }

    /**
     * Which version a run of {@code name} gets, resolved at submission (A2: {@code runs.agent_version} and
     * {@code runs.agent_versions}).
     *
     * @param pinnedVersion the request's {@code agent_version}, or null for the active version
     * @throws RunRejectedException INVALID unknown agent (naming {@code agent}); UNPROCESSABLE a pinned version that is
     *                              not stored (naming {@code agent_version}); CONFLICT a tenant agent without an active
     *                              version, or a handoff target without one
     */
    public Resolution resolve(String principal, String name, String pinnedVersion) {
        Objects.requireNonNull(name, "name");
        Optional<String> source = registry.source(name);
        if (source.isPresent()) {
            String version = registry.version(name).orElseThrow();
            if (pinnedVersion != null && !pinnedVersion.equals(version)) {
                throw RunRejectedException.unprocessable("field 'agent_version': " + source.get() + " agent '" + name
                        + "' has one version, " + version + "; not '" + printable(pinnedVersion) + "'",
                        Map.of("field", "agent_version"));
            }
            return new Resolution(name, version, source.get(), registry.spec(name).orElseThrow(), Map.of());
        }
        Optional<AgentVersions.AgentPointer> pointer = versions.agent(principal, name);
        if (pointer.isEmpty()) {
            Set<String> known = new TreeSet<>(registry.names());
            known.addAll(versions.activeVersions(principal).keySet());
            throw RunRejectedException.invalid("field 'agent': unknown agent '" + printable(name) + "' (known: "
                    + String.join(", ", known) + ")");
        }
        StoredVersion start;
        if (pinnedVersion != null) {
            start = versions.find(principal, name, pinnedVersion).orElseThrow(() -> RunRejectedException.unprocessable(
                    "field 'agent_version': agent '" + name + "' has no version '" + printable(pinnedVersion) + "'",
                    Map.of("field", "agent_version")));
        } else {
            String active = pointer.get().activeVersion();
            if (active == null) {
                throw RunRejectedException.conflict("agent '" + name + "' has no active version yet (activate one "
                        + "with PUT /agents/" + name + "/active, or pin agent_version)");
            }
            start = versions.find(principal, name, active).orElseThrow(() -> new IllegalStateException(
                    "active version " + active + " of " + name + " is not stored"));
        }
        Map<String, Object> spec = AgentSpecs.parse(start.specJson());
        Map<String, String> tenantVersions = new LinkedHashMap<>();
        tenantVersions.put(name, start.version());
        Deque<Map.Entry<String, Map<String, Object>>> pending = new ArrayDeque<>();
        pending.add(Map.entry(name, spec));
        Map<String, StoredVersion> active = null;
        while (!pending.isEmpty()) {
            Map.Entry<String, Map<String, Object>> next = pending.poll();
            for (String target : handoffs(next.getValue())) {
                if (registry.source(target).isPresent() || tenantVersions.containsKey(target)) {
                    continue; // built-in and file agents hand off only among themselves
                }
                if (active == null) {
                    active = versions.activeVersions(principal);
                }
                StoredVersion targetVersion = active.get(target);
                if (targetVersion == null) {
                    throw RunRejectedException.conflict("agent '" + next.getKey() + "' hands off to '" + target
                            + "', which has no active version");
                }
                tenantVersions.put(target, targetVersion.version());
                pending.add(Map.entry(target, AgentSpecs.parse(targetVersion.specJson())));
            }
        }
        return new Resolution(name, start.version(), "api", spec, tenantVersions);
    }

    /**
     * The loop agents (with their evaluators and manifests) of a run's recorded tenant versions ({@link
     * Resolution#tenantVersions}), built once per (principal, name, version) and cached: versions never change.
     *
     * @return by name; a version no longer stored is absent
     */
    public Map<String, AgentSpecs.Built> built(String principal, Map<String, String> tenantVersions) {
        Map<String, AgentSpecs.Built> result = new LinkedHashMap<>();
        Map<String, String> missing = new LinkedHashMap<>();
        tenantVersions.forEach((name, version) -> {
            AgentSpecs.Built cached = built.getIfPresent(new BuiltKey(principal, name, version));
            if (cached != null) {
                result.put(name, cached);
            } else {
                missing.put(name, version);
            }
        });
        if (!missing.isEmpty()) {
            versions.findAll(principal, missing).forEach((name, stored) -> {
                AgentSpecs.Built one = built.get(new BuiltKey(principal, name, stored.version()),
                        key -> specs.build(name, stored.specJson()));
                result.put(name, one);
            });
        }
        return result;
    }

    /** {@link #built} as the loop's lookup: the run's tenant agents first, then built-in and file agents. */
    public AgentLookup lookup(String principal, Map<String, String> tenantVersions) {
        Map<String, AgentSpecs.Built> tenant = built(principal, tenantVersions);
        return name -> tenant.containsKey(name) ? Optional.of(tenant.get(name).agent()) : registry.find(name);
    }

    /** Handoff targets (cycles, unknown agents) for the validator: built-in/file agents and the tenant's active ones. */
    private AgentCatalog catalog(String principal) {
        Map<String, StoredVersion> active = versions.activeVersions(principal);
        return specs.catalog(new AgentCatalog() {
            @Override
            public Optional<List<String>> handoffsOf(String agent) {
                Optional<Agent> own = registry.find(agent);
                if (own.isPresent()) {
                    return Optional.of(own.get().handoffs());
                }
                StoredVersion version = active.get(agent);
                return version == null ? Optional.empty() : Optional.of(handoffs(AgentSpecs.parse(version.specJson())));
            }

            @Override
            public Optional<String> reservedName(String name) {
                return registry.source(name).map(source -> "'" + name + "' is the name of a " + source
                        + " agent of this harness");
            }
        });
    }

    private void reserved(String name) {
        registry.source(name).ifPresent(source -> {
            throw RunRejectedException.conflict("agent name '" + name + "' is reserved: it is a " + source
                    + " agent of this harness; choose another name", Map.of("field", "name"));
        });
    }

    private String activeVersion(String principal, String name) {
        return versions.agent(principal, name).map(AgentVersions.AgentPointer::activeVersion).orElse(null);
    }

    private static List<String> handoffs(Map<String, Object> spec) {
        return spec.get("handoffs") instanceof List<?> list
                ? list.stream().map(String::valueOf).toList() : List.of();
    }

    private static RunRejectedException invalid(List<AgentProblem> problems) {
        return RunRejectedException.unprocessable("invalid agent spec: " + problems.stream()
                .map(AgentProblem::toString).reduce((a, b) -> a + "; " + b).orElseThrow(), members(problems));
    }

    /** {@code field} (the first problem's) and {@code problems} [{field, message}] as problem members. */
    private static Map<String, Object> members(List<AgentProblem> problems) {
        List<Map<String, String>> list = problems.stream()
                .map(p -> Map.of("field", p.field(), "message", p.message())).toList();
        return Map.of("field", problems.getFirst().field(), "problems", list);
    }

    /** Echo at most 64 printable characters of a caller's value. */
    private static String printable(String value) {
        if (value == null) {
            return "";
        }
        String cleaned = value.codePoints().filter(c -> c >= 0x20 && c != 0x7f)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return cleaned.length() > 64 ? cleaned.substring(0, 64) + "…" : cleaned;
    }
}
