/**
 * The custom resources of Agent Harness, group {@code agentharness.dev}, version {@code v1alpha1}
 * (SPEC §9): {@link dev.agentharness.crds.v1alpha1.AgentRun} (one agent task, short name {@code ar}) and
 * {@link dev.agentharness.crds.v1alpha1.SandboxManifest} (the workspace an agent's code gets, short name
 * {@code sbm}) and {@link dev.agentharness.crds.v1alpha1.Agent} (a versioned agent, its golden-set gate). The CRD YAML
 * in {@code crds/generated/} is generated from these classes by the build (fabric8's generator, then
 * {@link dev.agentharness.crds.build.CrdPostProcessor} for printer column order, root/spec/status/condition
 * descriptions and {@code format: date-time}; every resource, spec and status class carries a
 * {@code @JsonClassDescription} and every field a {@code @JsonPropertyDescription}, for {@code kubectl explain}).
 */
package dev.agentharness.crds.v1alpha1;
