package dev.agentharness.api.agents;

import dev.agentharness.api.sandbox.CanonicalJson;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The outcome of {@link AgentSpecValidator#validate}.
 *
 * @param spec     the normalised spec (absent optional fields omitted, names stripped); null when invalid
 * @param problems everything wrong, in the order found; empty when valid
 */
public record AgentSpecValidation(Map<String, Object> spec, List<AgentProblem> problems) {

    public AgentSpecValidation {
        problems = List.copyOf(problems);
        if (problems.isEmpty() == (spec == null)) {
            throw new IllegalArgumentException("a validation has either a spec or problems");
        }
    }

    public boolean valid() {
        return problems.isEmpty();
    }

    /**
     * The agent's version: {@code sha256:<hex>} of the canonical JSON (sorted keys, no whitespace) of the normalised
     * spec <em>without</em> {@code evaluation} — the golden set judges a version, it is not part of it — and without
     * {@code sandboxManifestRef} (the operator resolves it into {@code sandboxManifest}, which is). Two specs that mean
     * the same have the same version; null when invalid.
     */
    public String version() {
        if (!valid()) {
            return null;
        }
        return versionOf(registered());
    }

    /** The spec a harness registers: the normalised spec without {@code evaluation} and {@code sandboxManifestRef}. */
    public Map<String, Object> registered() {
        if (!valid()) {
            return null;
        }
        Map<String, Object> registered = new LinkedHashMap<>(spec);
        registered.remove("evaluation");
        registered.remove("sandboxManifestRef");
        return registered;
    }

    /** {@code sha256:<hex>} of the canonical JSON of a registered spec. */
    public static String versionOf(Map<String, Object> registeredSpec) {
        return CanonicalJson.digest(registeredSpec);
    }

    /** One line naming every problem, for a condition message or a 4xx detail; "valid" when there are none. */
    public String summary() {
        if (valid()) {
            return "valid";
        }
        return "invalid agent spec: " + problems.stream().map(AgentProblem::toString).collect(Collectors.joining("; "));
    }
}
