package dev.agentharness.api;

import com.fasterxml.jackson.annotation.JsonValue;

/** Lifecycle of a run: {@code queued → running → succeeded | failed | cancelled | timed_out}. */
public enum RunStatus {
    QUEUED("queued"),
    RUNNING("running"),
    SUCCEEDED("succeeded"),
    FAILED("failed"),
    CANCELLED("cancelled"),
    TIMED_OUT("timed_out");

    private final String wire;

    RunStatus(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    public boolean terminal() {
        return this != QUEUED && this != RUNNING;
    }

    public static RunStatus fromWire(String value) {
        for (RunStatus s : values()) {
            if (s.wire.equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown run status '" + value + "'");
    }
}
