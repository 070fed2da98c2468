package dev.agentharness.api.agents;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Body of {@code PUT /agents/{name}/active}: the registered version runs get from now on. */
public record AgentActivation(@JsonProperty("version") String version) {
}
