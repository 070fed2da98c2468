package dev.agentharness.runtime.runs;

import dev.agentharness.api.RunRequest;
import dev.agentharness.api.agents.AgentSpecValidator;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Checks a {@code POST /runs} body before anything is written, so a bad request creates no run
 * row. Each problem is reported with the field it concerns.
 */
public final class RunRequestValidator {

    static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");
    static final Pattern MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:/-]{0,99}");
    static final Pattern METADATA_KEY = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");
    /** An agent version: {@code sha256:} of the agent's normalised spec (harness-api agents/AgentSpecValidation). */
    public static final Pattern AGENT_VERSION = Pattern.compile("sha256:[0-9a-f]{64}");

    private final RunLimits limits;

    public RunRequestValidator(RunLimits limits) {
        this.limits = limits;
    }

    /** @throws InvalidRunRequest naming the field and what is wrong with it */
    public void validate(RunRequest request, String idempotencyKey, Collection<String> knownAgents) {
        validate(request, idempotencyKey, knownAgents, false);
    }

    /**
     * @param tenantAgents whether a name {@code knownAgents} lacks may still be one of the caller's registered agents
     *                     (checked by the caller against the database, after this): then only its form is checked here
     * @throws InvalidRunRequest naming the field and what is wrong with it
     */
    public void validate(RunRequest request, String idempotencyKey, Collection<String> knownAgents,
                         boolean tenantAgents) {
        if (request == null) {
            throw new InvalidRunRequest("request body is required: {\"message\": \"…\"}");
        }
        if (request.message() == null) {
            throw new InvalidRunRequest("field 'message' is required");
        }
        if (request.message().isBlank()) {
            throw new InvalidRunRequest("field 'message' must not be blank");
        }
        rejectNul("message", request.message());
        int bytes = request.message().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > limits.maxMessageBytes()) {
            throw new InvalidRunRequest("field 'message' is " + bytes + " bytes; the limit is "
                    + limits.maxMessageBytes() + " bytes");
        }
        if (request.sessionId() != null && !SESSION_ID.matcher(request.sessionId()).matches()) {
            throw new InvalidRunRequest("field 'session_id' must match " + SESSION_ID.pattern());
        }
        if (request.agent() != null && !knownAgents.contains(request.agent())
                && !(tenantAgents && AgentSpecValidator.NAME.matcher(request.agent()).matches())) {
            throw unknownAgent(request.agent(), knownAgents);
        }
        if (request.agentVersion() != null && !AGENT_VERSION.matcher(request.agentVersion()).matches()) {
            throw new InvalidRunRequest("field 'agent_version' must be an agent version, sha256:<64 lower-case hex "
                    + "digits> (GET /agents/{name} lists them), got '" + printable(request.agentVersion()) + "'");
        }
        if (request.model() != null && !MODEL.matcher(request.model()).matches()) {
            throw new InvalidRunRequest("field 'model' must match " + MODEL.pattern());
        }
        if (request.model() != null && limits.modelsAllowed().filter(l -> !l.contains(request.model())).isPresent()) {
            throw new InvalidRunRequest("field 'model': '" + request.model() + "' is not allowed here (allowed: "
                    + String.join(", ", new TreeSet<>(limits.modelsAllowed().get())) + ")");
        }
        if (request.maxTurns() != null && (request.maxTurns() < 1 || request.maxTurns() > limits.maxTurnsLimit())) {
            throw new InvalidRunRequest("field 'max_turns' must be between 1 and " + limits.maxTurnsLimit()
                    + ", got " + request.maxTurns());
        }
        if (request.timeoutSeconds() != null
                && (request.timeoutSeconds() < 1 || request.timeoutSeconds() > limits.maxTimeoutSeconds())) {
            throw new InvalidRunRequest("field 'timeout_seconds' must be between 1 and "
                    + limits.maxTimeoutSeconds() + ", got " + request.timeoutSeconds());
        }
        if (request.maxCostUsd() != null && !(request.maxCostUsd() > 0 && Double.isFinite(request.maxCostUsd()))) {
            throw new InvalidRunRequest("field 'max_cost_usd' must be a finite number of US dollars above 0, got "
                    + request.maxCostUsd());
        }
        if (request.maxTokens() != null && request.maxTokens() < 1) {
            throw new InvalidRunRequest("field 'max_tokens' must be a whole number above 0, got "
                    + request.maxTokens());
        }
        validateMetadata(request.metadata());
        if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
            throw new InvalidRunRequest("header 'Idempotency-Key' must be 1 to 255 visible ASCII characters");
        }
    }

    private void validateMetadata(Map<String, String> metadata) {
        if (metadata == null) {
            return;
        }
        if (metadata.size() > limits.maxMetadataEntries()) {
            throw new InvalidRunRequest("field 'metadata' has " + metadata.size() + " entries; the limit is "
                    + limits.maxMetadataEntries());
        }
        for (Map.Entry<String, String> entry : metadata.entrySet()) {
            if (!METADATA_KEY.matcher(entry.getKey()).matches()) {
                throw new InvalidRunRequest("field 'metadata': key '" + printable(entry.getKey())
                        + "' must match " + METADATA_KEY.pattern());
            }
            if (entry.getValue() == null || entry.getValue().length() > 512) {
                throw new InvalidRunRequest("field 'metadata." + entry.getKey()
                        + "' must be a string of at most 512 characters");
            }
            rejectNul("metadata." + entry.getKey(), entry.getValue());
        }
    }

    /** The 400 for an agent that is neither built in, nor a file agent, nor one of the caller's registered agents. */
    public static InvalidRunRequest unknownAgent(String name, Collection<String> knownAgents) {
        return new InvalidRunRequest("field 'agent': unknown agent '" + printable(name) + "' (known: "
                + String.join(", ", new TreeSet<>(knownAgents)) + ", and the agents registered with PUT /agents)");
    }

    /** PostgreSQL text and jsonb cannot hold U+0000: refused here, or the write would fail after validation. */
    private static void rejectNul(String field, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new InvalidRunRequest("field '" + field + "' must not contain the NUL character (U+0000)");
        }
    }

    /** Echo user input back safely: bounded, no control characters. */
    private static String printable(String value) {
        String cleaned = value.replaceAll("\\p{Cntrl}", "?");
        return cleaned.length() > 64 ? cleaned.substring(0, 64) + "…" : cleaned;
    }

    /** A request that must be fixed by the caller; the message is the problem's detail. */
    public static final class InvalidRunRequest extends RuntimeException {
        public InvalidRunRequest(String message) {
            super(message);
        }
    }
}
