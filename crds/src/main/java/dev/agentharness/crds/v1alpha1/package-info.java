/**
 * The custom resources of Agent Harness, group {@code agentharness.dev}, version {@code v1alpha1}
 * (SPEC §9): {@link dev.agentharness.crds.v1alpha1.AgentRun} (one agent task, short name {@code ar}) and
 * {@link dev.agentharness.crds.v1alpha1.SandboxManifest} (the workspace an agent's code gets, short name
 * {@code sbm}). The CRD YAML in {@code crds/generated/} is generated from these classes by the build.
 */
package dev.agentharness.crds.v1alpha1;
