package dev.agentharness.runtime.sandbox;

import java.time.Instant;

/** A sandbox as the reaper sees it: which run it belongs to and until when it may live. */
public record OwnedSandbox(String sandboxId, String runId, Instant expiresAt) {
}
