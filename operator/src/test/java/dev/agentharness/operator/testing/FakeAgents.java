package dev.agentharness.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.api.agents.AgentCatalog;
import dev.agentharness.api.agents.AgentEvaluation;
import dev.agentharness.api.agents.AgentEvaluationRequest;
import dev.agentharness.api.agents.AgentSpecValidation;
import dev.agentharness.api.agents.AgentSpecValidator;
import dev.agentharness.api.agents.AgentVersion;
import dev.agentharness.api.agents.AgentView;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The harness's agent registry and golden-set evaluations in memory, per principal, with the harness's semantics where
 * the operator depends on them: a spec is validated by the same {@link AgentSpecValidator} ({@code Source.HARNESS}) with
 * the harness's knowledge (tools {@link #TOOLS}, guardrails {@link #GUARDRAILS}, handoffs to the built-ins or to the
 * principal's <em>active</em> agents) and refused with 422 naming the field; versions are immutable and registering
 * the same spec again answers the same version (200, created false); built-in names are reserved (409); activation
 * needs a stored version; {@code POST …/evaluations} answers the existing evaluation of the same version, dataset,
 * baseline and threshold unless it ended in {@code error}.
 *
 * <p><b>The verdict rule</b> (nothing runs): a case of the golden set (a JSONL line with an {@code id}; blank and
 * {@code #} lines skipped) <em>fails</em> when the evaluated version's {@code instructions} contain
 * {@code [fails <case id>]}, else it passes; the evaluation passes iff the pass rate reaches the threshold. An
 * evaluation is {@code running} when asked for and finishes at the first {@code GET} of it — unless
 * {@link #holdEvaluations()} keeps every evaluation running until {@link #releaseEvaluations()}; {@link #errorNext(int)}
 * makes the next evaluations end in {@code error} instead (the harness could not finish them).
 */
public final class FakeAgents {

    public static final Set<String> TOOLS = Set.of("lookup_account", "draft_reply", "issue_refund", "read_file",
            "write_file", "run_shell");
    public static final Set<String> GUARDRAILS = Set.of("no_card_numbers", "no_secrets");
    /** The harness's built-in (and file) agents and their handoffs: FakeHarness.AGENTS runs maya and analyst too. */
    public static final Map<String, List<String>> BUILT_IN = Map.of("maya", List.of("billing"), "billing", List.of(),
            "analyst", List.of());

    /** One evaluation as the fake keeps it. */
    private static final class Evaluation {
        final String principal;
        final AgentEvaluationRequest request;
        AgentEvaluation state;

        Evaluation(String principal, AgentEvaluationRequest request, AgentEvaluation state) {
            this.principal = principal;
            this.request = request;
            this.state = state;
        }
    }

    /** principal + "/" + name → version → stored version (oldest first). */
    private final Map<String, Map<String, AgentVersion>> versions = new LinkedHashMap<>();
    private final Map<String, String> active = new LinkedHashMap<>();
    private final Map<String, Evaluation> evaluations = new LinkedHashMap<>();
    private final List<String> registrations = new ArrayList<>();
    private volatile boolean hold;
    private final AtomicInteger errorNext = new AtomicInteger();

    private static String key(String principal, String name) {
        return principal + "/" + name;
    }

    // ---- AgentsApi ----

    public synchronized Response register(String principal, String name, Map<String, Object> spec) {
        AgentSpecValidation validation = AgentSpecValidator.validate(name, spec, catalog(principal),
                AgentSpecValidator.Source.HARNESS);
        if (BUILT_IN.containsKey(name)) {
            throw FakeHarness.problem(409, "agent '" + name + "' is a built-in agent of the harness; choose another name");
        }
        if (!validation.valid()) {
            throw FakeHarness.problem(422, validation.summary());
        }
        String version = validation.version();
        Map<String, AgentVersion> stored = versions.computeIfAbsent(key(principal, name), k -> new LinkedHashMap<>());
        boolean created = !stored.containsKey(version);
        if (created) {
            stored.put(version, new AgentVersion(name, version, validation.registered(), now(), true, false));
            registrations.add(key(principal, name) + "@" + version);
        }
        AgentVersion answer = withFlags(stored.get(version), created, version.equals(active.get(key(principal, name))));
        return Response.status(created ? 201 : 200).entity(answer).build();
    }

    public synchronized AgentView agent(String principal, String name) {
        if (BUILT_IN.containsKey(name)) {
            String version = AgentSpecValidation.versionOf(Map.of("instructions", name, "handoffs", BUILT_IN.get(name)));
            return new AgentView(name, "builtin", version, List.of(new AgentView.Summary(version, null, true)));
        }
        Map<String, AgentVersion> stored = versions.get(key(principal, name));
        if (stored == null) {
            throw FakeHarness.problem(404, "agent '" + name + "' not found");
        }
        String activeVersion = active.get(key(principal, name));
        List<AgentView.Summary> summaries = new ArrayList<>();
        stored.values().forEach(v -> summaries.addFirst(new AgentView.Summary(v.version(), v.createdAt(),
                v.version().equals(activeVersion))));
        return new AgentView(name, "api", activeVersion, summaries);
    }

    public synchronized AgentVersion version(String principal, String name, String version) {
        if (BUILT_IN.containsKey(name)) {
            return new AgentVersion(name, version, Map.of("instructions", name, "handoffs", BUILT_IN.get(name)), null,
                    false, true);
        }
        AgentVersion stored = Optional.ofNullable(versions.get(key(principal, name))).map(v -> v.get(version))
                .orElseThrow(() -> FakeHarness.problem(404, "agent '" + name + "' has no version " + version));
        return withFlags(stored, false, version.equals(active.get(key(principal, name))));
    }

    public synchronized AgentView activate(String principal, String name, String version) {
        if (version == null || !versions.getOrDefault(key(principal, name), Map.of()).containsKey(version)) {
            throw FakeHarness.problem(422, "field 'version': agent '" + name + "' has no version " + version);
        }
        active.put(key(principal, name), version);
        return agent(principal, name);
    }

    // ---- AgentEvaluationsApi ----

    public synchronized Response evaluate(String principal, String name, AgentEvaluationRequest request) {
        if (request == null || request.version() == null
                || !versions.getOrDefault(key(principal, name), Map.of()).containsKey(request.version())) {
            throw FakeHarness.problem(422, "field 'version': agent '" + name + "' has no version "
                    + (request == null ? null : request.version()));
        }
        List<String> cases = caseIds(request.dataset());
        double threshold = request.threshold() == null ? 1.0 : request.threshold();
        for (Evaluation existing : evaluations.values()) {
            if (existing.principal.equals(principal) && existing.state.agent().equals(name)
                    && Objects.equals(existing.request.version(), request.version())
                    && Objects.equals(existing.request.dataset(), request.dataset())
                    && Objects.equals(existing.request.baseline(), request.baseline())
                    && existing.state.threshold() == threshold
                    && !AgentEvaluation.ERROR.equals(existing.state.status())) {
                return Response.ok(existing.state).header("Location", location(name, existing.state.id())).build();
            }
        }
        String id = "eval_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        AgentEvaluation running = new AgentEvaluation(id, name, request.version(), AgentEvaluation.RUNNING, threshold,
                "sha256:fake", cases.size(), 0, null, List.of(), List.of(), null, now(), null);
        evaluations.put(id, new Evaluation(principal, request, running));
        return Response.status(202).entity(running).header("Location", location(name, id)).build();
    }

    public synchronized AgentEvaluation evaluation(String principal, String name, String id) {
        Evaluation evaluation = evaluations.get(id);
        if (evaluation == null || !evaluation.principal.equals(principal) || !evaluation.state.agent().equals(name)) {
            throw FakeHarness.problem(404, "evaluation '" + id + "' not found");
        }
        if (!evaluation.state.finished() && !hold) {
            evaluation.state = finish(principal, name, evaluation);
        }
        return evaluation.state;
    }

    private AgentEvaluation finish(String principal, String name, Evaluation evaluation) {
        AgentEvaluation running = evaluation.state;
        if (errorNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return new AgentEvaluation(running.id(), name, running.version(), AgentEvaluation.ERROR, running.threshold(),
                    running.datasetDigest(), running.cases(), 0, null, List.of(), List.of(),
                    "the replica running it stopped (fake)", running.createdAt(), now());
        }
        Object instructions = versions.get(key(principal, name)).get(running.version()).spec().get("instructions");
        List<AgentEvaluation.FailedCase> failed = new ArrayList<>();
        for (String id : caseIds(evaluation.request.dataset())) {
            if (String.valueOf(instructions).contains("[fails " + id + "]")) {
                failed.add(new AgentEvaluation.FailedCase(id, false, "contains: the reply lacks 'refund policy'",
                        "run_" + id));
            }
        }
        int passed = running.cases() - failed.size();
        double rate = running.cases() == 0 ? 0 : (double) passed / running.cases();
        String verdict = rate >= running.threshold() ? AgentEvaluation.PASSED : AgentEvaluation.FAILED;
        return new AgentEvaluation(running.id(), name, running.version(), verdict, running.threshold(),
                running.datasetDigest(), running.cases(), passed, rate, failed, List.of(), null, running.createdAt(),
                now());
    }

    // ---- test controls ----

    /** Every evaluation stays {@code running} until {@link #releaseEvaluations()}. */
    public void holdEvaluations() {
        hold = true;
    }

    public void releaseEvaluations() {
        hold = false;
    }

    /** The next {@code n} evaluations to finish end in {@code error}. */
    public void errorNext(int n) {
        errorNext.set(n);
    }

    /** Every version registered for the principal's agent, as {@code principal/name@version}, in order. */
    public synchronized List<String> registrations(String principal) {
        return registrations.stream().filter(r -> r.startsWith(principal + "/")).toList();
    }

    public synchronized Optional<String> activeVersion(String principal, String name) {
        return Optional.ofNullable(active.get(key(principal, name)));
    }

    /** The requests of every evaluation asked for the principal's agent, in order. */
    public synchronized List<AgentEvaluationRequest> evaluationRequests(String principal, String name) {
        return evaluations.values().stream().filter(e -> e.principal.equals(principal) && e.state.agent().equals(name))
                .map(e -> e.request).toList();
    }

    // ---- the harness's knowledge ----

    private AgentCatalog catalog(String principal) {
        return new AgentCatalog() {
            @Override
            public Optional<Set<String>> tools() {
                return Optional.of(TOOLS);
            }

            @Override
            public Optional<Set<String>> guardrails() {
                return Optional.of(GUARDRAILS);
            }

            @Override
            public Optional<List<String>> handoffsOf(String agent) {
                if (BUILT_IN.containsKey(agent)) {
                    return Optional.of(BUILT_IN.get(agent));
                }
                String version = active.get(key(principal, agent));
                if (version == null) {
                    return Optional.empty();
                }
                Object handoffs = versions.get(key(principal, agent)).get(version).spec().get("handoffs");
                return Optional.of(handoffs instanceof List<?> list ? list.stream().map(String::valueOf).toList()
                        : List.of());
            }
        };
    }

    private static List<String> caseIds(String dataset) {
        List<String> ids = new ArrayList<>();
        if (dataset == null) {
            return ids;
        }
        for (String line : dataset.split("\n")) {
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            try {
                JsonNode node = FakeHarnessServer.JSON.readTree(line);
                ids.add(node.path("id").asText());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return ids;
    }

    private static AgentVersion withFlags(AgentVersion version, boolean created, boolean isActive) {
        return new AgentVersion(version.name(), version.version(), version.spec(), version.createdAt(), created,
                isActive);
    }

    private static String location(String name, String id) {
        return "/agents/" + name + "/evaluations/" + id;
    }

    private static OffsetDateTime now() {
        return Instant.now().atOffset(ZoneOffset.UTC);
    }
}
