package dev.agentharness.runtime.state;

/** One audit log line; {@code detailJson} is a JSON object (null means {@code {}}). */
public record AuditEntry(String principal, String runId, String action, String detailJson) {
}
