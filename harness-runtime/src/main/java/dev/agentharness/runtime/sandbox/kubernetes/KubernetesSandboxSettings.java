package dev.agentharness.runtime.sandbox.kubernetes;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;

/**
 * How sandbox Pods are shaped ({@code SANDBOX_K8S_*}). The cluster itself is found by fabric8's
 * auto-configuration: the in-cluster service account when the harness runs in a Pod, otherwise
 * {@code KUBECONFIG} / {@code ~/.kube/config}.
 *
 * @param namespace      where sandbox Pods and their NetworkPolicies live; one namespace per harness installation
 * @param image          the sandbox container image; it needs {@code sh}, {@code tar}, {@code find}, {@code head},
 *                       {@code stat} and {@code readlink} (busybox or Debian coreutils both do)
 * @param runtimeClass   e.g. {@code gvisor} or {@code kata}; empty = the cluster's default runtime
 * @param egressCidrs    where a sandbox whose manifest lists egress hosts may connect (besides DNS);
 *                       typically an egress proxy that enforces the host allowlist
 * @param workspaceSize  size limit of the workspace {@code emptyDir}
 * @param startTimeout   how long {@code create} waits for the Pod to run
 * @param serviceAccount the ServiceAccount sandbox Pods run as; empty = the namespace's {@code default}. Either way
 *                       no token is mounted; a dedicated account (the Helm chart creates one, with automount off)
 *                       keeps sandboxes clear of whatever someone binds to or annotates on {@code default}
 */
public record KubernetesSandboxSettings(String namespace, String image, Optional<String> runtimeClass,
                                        String cpuRequest, String cpuLimit, String memoryRequest, String memoryLimit,
                                        String workspaceSize, List<String> egressCidrs, Duration startTimeout,
                                        Optional<String> serviceAccount) {

    public static final String DEFAULT_NAMESPACE = "agent-harness-sandboxes";
    /** Debian slim with Python: the agent's scripts are usually Python or sh; runs as any non-root uid. */
    public static final String DEFAULT_IMAGE = "python:3.13-slim";

    public KubernetesSandboxSettings {
        runtimeClass = runtimeClass.map(String::strip).filter(s -> !s.isEmpty());
        serviceAccount = serviceAccount.map(String::strip).filter(s -> !s.isEmpty());
        egressCidrs = List.copyOf(egressCidrs);
    }

    /** The defaults, for a namespace and image (tests). */
    public static KubernetesSandboxSettings defaults(String namespace) {
        return new KubernetesSandboxSettings(namespace, DEFAULT_IMAGE, Optional.empty(), "250m", "1", "256Mi", "1Gi",
                "1Gi", List.of(), Duration.ofSeconds(120), Optional.empty());
    }

    public static KubernetesSandboxSettings from(Config config) {
        return new KubernetesSandboxSettings(
                value(config, "namespace", DEFAULT_NAMESPACE),
                value(config, "image", DEFAULT_IMAGE),
                config.getOptionalValue("harness.sandbox.kubernetes.runtime-class", String.class),
                value(config, "cpu-request", "250m"),
                value(config, "cpu-limit", "1"),
                value(config, "memory-request", "256Mi"),
                value(config, "memory-limit", "1Gi"),
                value(config, "workspace-size", "1Gi"),
                config.getOptionalValue("harness.sandbox.kubernetes.egress-cidrs", String.class)
                        .map(s -> Arrays.stream(s.split(",")).map(String::strip).filter(c -> !c.isEmpty()).toList())
                        .orElse(List.of()),
                Duration.ofSeconds(Integer.parseInt(value(config, "start-timeout-seconds", "120"))),
                config.getOptionalValue("harness.sandbox.kubernetes.service-account", String.class));
    }

    private static String value(Config config, String key, String fallback) {
        return config.getOptionalValue("harness.sandbox.kubernetes." + key, String.class)
                .map(String::strip).filter(s -> !s.isEmpty()).orElse(fallback);
    }
}
