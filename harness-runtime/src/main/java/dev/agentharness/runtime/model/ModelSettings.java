package dev.agentharness.runtime.model;

/** The subset of the Agents SDK's ModelSettings the harness forwards; null means "provider default". */
public record ModelSettings(Double temperature, Double topP, Integer maxOutputTokens, Boolean parallelToolCalls) {

    public static final ModelSettings DEFAULTS = new ModelSettings(null, null, null, null);
}
