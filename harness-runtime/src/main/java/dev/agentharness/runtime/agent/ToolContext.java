package dev.agentharness.runtime.agent;

/**
 * What trusted harness code (tool bodies and guardrails) may know about the run it serves.
 *
 * @param principal the authenticated caller the run belongs to (null in tests / anonymous runs)
 */
public record ToolContext(String runId, String sessionId, String principal, String agentName) {
}
