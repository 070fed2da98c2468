package dev.agentharness.runtime.agent;

import java.util.Optional;

/** Finds agents by name; the runner resolves handoff targets through it. */
@FunctionalInterface
public interface AgentLookup {
    Optional<Agent> find(String name);
}
