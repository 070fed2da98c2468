/**
 * The Kubernetes face of Agent Harness (SPEC §9): turns AgentRun and SandboxManifest resources
 * into harness runs over the harness HTTP API and keeps their status true. One controller per
 * resource ({@code agentrun}, {@code sandboxmanifest}); the harness is reached only through
 * {@code harness-api}'s {@code HarnessApi} interface ({@code harness}); Kubernetes helpers
 * ({@code kube}); wiring and settings ({@code config}).
 */
package dev.agentharness.operator;
