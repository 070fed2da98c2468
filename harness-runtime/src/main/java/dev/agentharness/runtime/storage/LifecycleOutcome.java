package dev.agentharness.runtime.storage;

/** What applying the lifecycle rules did; {@code UNCHANGED} is what a second application reports. */
public enum LifecycleOutcome {
    APPLIED,
    UNCHANGED,
    UNSUPPORTED
}
