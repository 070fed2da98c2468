package dev.agentharness.operator.agentrun;

import java.util.regex.Pattern;

/**
 * The harness session an AgentRun's {@code spec.sessionId} stands for. Every AgentRun reaches the harness as the
 * operator's one principal, so the namespace must be part of the id the harness sees: the same
 * {@code spec.sessionId} in two namespaces is two sessions, and no AgentRun can name another namespace's session
 * (its history, or its inputs under {@code inputs/<principal>/<session>/}).
 *
 * <p>The id is {@code <namespace>.<sessionId>}. It is injective: a namespace is a DNS label and has no '.', so
 * the first '.' always ends the namespace. When that would exceed the harness's 128 characters (or a namespace is
 * not a DNS label), the id is {@code ns-sha256:<64 hex of namespace + "\n" + sessionId>} instead: it has no '.',
 * so it never equals a dotted id, and neither part contains a newline. Sessions the harness derives for AgentRuns
 * without a {@code sessionId} ({@code ses_<hex>}) have no '.' and another prefix, so no AgentRun can name one.
 */
public final class NamespacedSession {

    /** The harness's session id limit ({@code [A-Za-z0-9][A-Za-z0-9_.:-]{0,127}}). */
    static final int MAX_LENGTH = 128;
    static final String HASHED_PREFIX = "ns-sha256:";
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    private NamespacedSession() {
    }

    /** The session id to send to the harness; null (the harness derives one per run) when the spec names none. */
    public static String harnessId(String namespace, String sessionId) {
        if (sessionId == null) {
            return null;
        }
        String readable = namespace + "." + sessionId;
        if (DNS_LABEL.matcher(namespace).matches() && readable.length() <= MAX_LENGTH) {
            return readable;
        }
        return HASHED_PREFIX + RunSubmission.sha256(namespace + "\n" + sessionId);
    }
}
