package dev.agentharness.operator.agentrun;

import dev.agentharness.crds.v1alpha1.AgentRunSpec;
import dev.agentharness.crds.v1alpha1.SandboxManifestReference;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The CRD's OpenAPI rules, checked again by the operator: an API server without the CRD's schema
 * (an old copy, the mock server of the tests and the demo) must not let a bad spec reach the
 * harness. Names the first bad field in the resource's own terms.
 */
public final class SpecValidation {

    private static final Pattern AGENT = Pattern.compile(AgentRunSpec.AGENT_PATTERN);
    private static final Pattern SESSION_ID = Pattern.compile(AgentRunSpec.SESSION_ID_PATTERN);
    private static final Pattern MODEL = Pattern.compile(AgentRunSpec.MODEL_PATTERN);
    private static final Pattern RUN_NONCE = Pattern.compile(AgentRunSpec.RUN_NONCE_PATTERN);
    private static final Pattern NAME = Pattern.compile(SandboxManifestReference.NAME_PATTERN);
    private static final Pattern AGENT_VERSION = Pattern.compile(AgentRunSpec.AGENT_VERSION_PATTERN);

    private SpecValidation() {
    }

    /** The first problem, e.g. {@code spec.maxTurns: must be between 1 and 100, got 0}; empty when valid. */
    public static Optional<String> problem(AgentRunSpec spec) {
        if (spec == null) {
            return Optional.of("spec: is required (agent and input at least)");
        }
        if (spec.getAgent() == null || spec.getAgent().isEmpty()) {
            return Optional.of("spec.agent: is required, e.g. maya");
        }
        if (!AGENT.matcher(spec.getAgent()).matches()) {
            return Optional.of("spec.agent: must match " + AgentRunSpec.AGENT_PATTERN);
        }
        if (spec.getInput() == null) {
            return Optional.of("spec.input: is required");
        }
        if (spec.getInput().isBlank()) {
            return Optional.of("spec.input: must not be blank");
        }
        int bytes = spec.getInput().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > AgentRunSpec.MAX_INPUT) {
            return Optional.of("spec.input: is " + bytes + " bytes of UTF-8; at most " + AgentRunSpec.MAX_INPUT + " are accepted");
        }
        if (spec.getSessionId() != null && !SESSION_ID.matcher(spec.getSessionId()).matches()) {
            return Optional.of("spec.sessionId: must match " + AgentRunSpec.SESSION_ID_PATTERN);
        }
        if (spec.getModel() != null && !MODEL.matcher(spec.getModel()).matches()) {
            return Optional.of("spec.model: must match " + AgentRunSpec.MODEL_PATTERN);
        }
        if (spec.getSandboxManifestRef() != null) {
            String name = spec.getSandboxManifestRef().getName();
            if (name == null || name.isEmpty() || name.length() > 253 || !NAME.matcher(name).matches()) {
                return Optional.of("spec.sandboxManifestRef.name: must be the name of a SandboxManifest in this namespace");
            }
        }
        Optional<String> range = range("spec.maxTurns", spec.getMaxTurns(), 1, AgentRunSpec.MAX_TURNS)
                .or(() -> range("spec.timeoutSeconds", spec.getTimeoutSeconds(), 1, AgentRunSpec.MAX_TIMEOUT_SECONDS))
                .or(() -> range("spec.ttlSecondsAfterFinished", spec.getTtlSecondsAfterFinished(), 0,
                        AgentRunSpec.MAX_TTL_SECONDS));
        if (range.isPresent()) {
            return range;
        }
        if (spec.getRunNonce() != null && !RUN_NONCE.matcher(spec.getRunNonce()).matches()) {
            return Optional.of("spec.runNonce: must match " + AgentRunSpec.RUN_NONCE_PATTERN);
        }
        if (spec.getAgentVersion() != null && !AGENT_VERSION.matcher(spec.getAgentVersion()).matches()) {
            return Optional.of("spec.agentVersion: must be a version of the agent, sha256: and 64 lowercase hex digits "
                    + "(the Agent's status.activeVersion or one GET /agents/{name} lists)");
        }
        if (spec.getBudget() != null) {
            Double cost = spec.getBudget().getMaxCostUsd();
            if (cost != null && !(cost > 0 && Double.isFinite(cost))) {
                return Optional.of("spec.budget.maxCostUsd: must be greater than 0, got " + cost);
            }
            Long tokens = spec.getBudget().getMaxTokens();
            if (tokens != null && tokens <= 0) {
                return Optional.of("spec.budget.maxTokens: must be greater than 0, got " + tokens);
            }
        }
        return Optional.empty();
    }

    private static Optional<String> range(String field, Integer value, int min, int max) {
        if (value != null && (value < min || value > max)) {
            return Optional.of(field + ": must be between " + min + " and " + max + ", got " + value);
        }
        return Optional.empty();
    }
}
