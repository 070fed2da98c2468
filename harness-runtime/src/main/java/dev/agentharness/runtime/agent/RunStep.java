package dev.agentharness.runtime.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * One step of a run as the agent loop records it: the journal's unit, from which a resumed run replays and the
 * trace is built. Payload keys are snake_case; its shape per kind is documented in AGENTS.md ("The run journal").
 */
public record RunStep(StepKind kind, ObjectNode payload) {

    public RunStep {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(payload, "payload");
    }

    public String text(String field) {
        return payload.hasNonNull(field) ? payload.get(field).asText() : null;
    }
}
