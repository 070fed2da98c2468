package dev.agentharness.runtime.agent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What trusted harness code (tool bodies and guardrails) may know about the run it serves.
 *
 * @param principal the authenticated caller the run belongs to (null in tests / anonymous runs)
 * @param callId    the model's id for this tool call (null for guardrails)
 */
public record ToolContext(String runId, String sessionId, String principal, String agentName, String callId) {

    /** For guardrails, which serve a run but no tool call. */
    public ToolContext(String runId, String sessionId, String principal, String agentName) {
        this(runId, sessionId, principal, agentName, null);
    }

    /**
     * A key that is the same every time this call of this run is executed — also when a resumed run executes it again
     * on another replica — and different for every other call. A tool that declares {@link SideEffects#KEYED} passes
     * it to the system it acts on (an {@code Idempotency-Key} header, a unique constraint) so that a repeat is a no-op.
     */
    public String idempotencyKey() {
        if (runId == null || callId == null) {
            throw new IllegalStateException("an idempotency key needs a run id and a call id");
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((runId + "\n" + callId).getBytes(StandardCharsets.UTF_8));
            return "ah-" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
