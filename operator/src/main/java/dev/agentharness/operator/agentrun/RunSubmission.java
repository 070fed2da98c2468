package dev.agentharness.operator.agentrun;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.api.RunRequest;
import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunBudget;
import dev.agentharness.crds.v1alpha1.AgentRunSpec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the operator sends to {@code POST /runs} for an AgentRun, and under which
 * {@code Idempotency-Key}.
 *
 * <p>The key is {@code agentrun/<namespace>/<name>/<spec digest>} — deliberately <em>not</em> the
 * uid: when Argo CD re-creates an identical AgentRun after its TTL deleted it, the new object has a
 * new uid but the same key, so the harness returns the run that already finished instead of running
 * (and paying for) it again. A new name or a new {@code spec.runNonce} gives a new key: that is how
 * a user runs the same task again on purpose. {@code cancel} and {@code ttlSecondsAfterFinished} do
 * not change what runs, so they are not part of the digest.
 *
 * <p>The body is a pure function of the namespace, the spec (and the referenced manifest), so the same
 * AgentRun always sends the same bytes' worth of meaning: the harness's "same key, same body → same run"
 * holds across operator restarts and re-creations. {@code spec.sessionId} is sent scoped to the namespace
 * ({@link NamespacedSession}); the digest covers the spec as written, so keys did not change with that.
 * {@code spec.budget} goes out as {@code max_cost_usd}/{@code max_tokens}; it is in the digest only when set, so
 * the keys of AgentRuns without a budget did not change with it. The run is submitted for {@link #namespace()}
 * (the harness's tenant {@code ns:<namespace>}), which scopes the key on the harness too.
 *
 * <p>{@code agent_version} is the pinned {@code spec.agentVersion}, else the active version of the namespace's Agent
 * named in {@code spec.agent} when the submission is made (absent for a harness agent without an Agent CR: the harness
 * then uses its own active version). A pin is in the digest only when set (it changes what runs; keys of AgentRuns
 * without one did not change with it); the resolved active version is not: it is what the Agent said at submission.
 *
 * @param harnessAgent the agent's name when it is no Agent of the namespace (a built-in, a file agent or one registered
 *                     through the API): on a rejection the submitter asks the harness whether it knows the agent at
 *                     all ({@link RunSubmitter}); null for an Agent of the namespace
 */
public record RunSubmission(String namespace, String idempotencyKey, String specDigest, RunRequest request,
                            String harnessAgent) {

    public RunSubmission(String namespace, String idempotencyKey, String specDigest, RunRequest request) {
        this(namespace, idempotencyKey, specDigest, request, null);
    }

    /** The harness accepts keys of 1 to 255 visible ASCII characters. */
    static final int MAX_KEY_LENGTH = 255;
    static final String KEY_PREFIX = "agentrun/";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param manifest       the referenced SandboxManifest as portable manifest JSON, or null
     * @param manifestTimeout the SandboxManifest's {@code timeoutSeconds}, or null
     */
    public static RunSubmission of(AgentRun run, Map<String, Object> manifest, Integer manifestTimeout) {
        return of(run, manifest, manifestTimeout, run.getSpec().getAgentVersion(), null);
    }

    /**
     * @param agentVersion the version to pin ({@code spec.agentVersion}, else the Agent's active version), or null
     * @param harnessAgent see {@link RunSubmission}
     */
    public static RunSubmission of(AgentRun run, Map<String, Object> manifest, Integer manifestTimeout,
                                   String agentVersion, String harnessAgent) {
        AgentRunSpec spec = run.getSpec();
        String digest = specDigest(spec);
        String key = idempotencyKey(run.getMetadata().getNamespace(), run.getMetadata().getName(), digest);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("agentrun.namespace", run.getMetadata().getNamespace());
        metadata.put("agentrun.name", run.getMetadata().getName());
        AgentRunBudget budget = spec.getBudget();
        RunRequest request = new RunRequest(spec.getInput(),
                NamespacedSession.harnessId(run.getMetadata().getNamespace(), spec.getSessionId()), spec.getAgent(), spec.getModel(),
                spec.getSaveArtifact(), manifest, spec.getMaxTurns(),
                effectiveTimeout(spec.getTimeoutSeconds(), manifestTimeout), metadata,
                budget == null ? null : budget.getMaxCostUsd(), budget == null ? null : budget.getMaxTokens(),
                agentVersion);
        return new RunSubmission(run.getMetadata().getNamespace(), key, digest, request, harnessAgent);
    }

    /** The tighter of the AgentRun's and the SandboxManifest's timeouts. */
    static Integer effectiveTimeout(Integer runTimeout, Integer manifestTimeout) {
        if (runTimeout == null) {
            return manifestTimeout;
        }
        return manifestTimeout == null ? runTimeout : Math.min(runTimeout, manifestTimeout);
    }

    /** Hex SHA-256 over the canonical JSON of every spec field that changes what runs. */
    public static String specDigest(AgentRunSpec spec) {
        Map<String, Object> fields = new TreeMap<>();
        put(fields, "agent", spec.getAgent());
        put(fields, "input", spec.getInput());
        put(fields, "sessionId", spec.getSessionId());
        put(fields, "model", spec.getModel());
        put(fields, "sandboxManifestRef.name", spec.getSandboxManifestRef() == null ? null
                : spec.getSandboxManifestRef().getName());
        put(fields, "saveArtifact", spec.getSaveArtifact());
        put(fields, "maxTurns", spec.getMaxTurns());
        put(fields, "timeoutSeconds", spec.getTimeoutSeconds());
        put(fields, "runNonce", spec.getRunNonce());
        if (spec.getBudget() != null) {
            put(fields, "budget.maxCostUsd", spec.getBudget().getMaxCostUsd());
            put(fields, "budget.maxTokens", spec.getBudget().getMaxTokens());
        }
        put(fields, "agentVersion", spec.getAgentVersion());
        try {
            return sha256("agentrun-spec/v1\n" + JSON.writeValueAsString(fields));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("strings, numbers and booleans always serialise", e);
        }
    }

    /** {@code agentrun/<ns>/<name>/<first 32 hex of the digest>}, or a digest of all three when that is too long. */
    public static String idempotencyKey(String namespace, String name, String specDigest) {
        String readable = KEY_PREFIX + namespace + "/" + name + "/" + specDigest.substring(0, 32);
        if (readable.length() <= MAX_KEY_LENGTH) {
            return readable;
        }
        return KEY_PREFIX + "sha256/" + sha256(namespace + "\n" + name + "\n" + specDigest);
    }

    private static void put(Map<String, Object> fields, String name, Object value) {
        if (value != null) {
            fields.put(name, value);
        }
    }

    static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
