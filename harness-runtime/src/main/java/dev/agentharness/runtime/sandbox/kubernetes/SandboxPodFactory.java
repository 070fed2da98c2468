package dev.agentharness.runtime.sandbox.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The Pod of one sandbox, shaped to the restricted Pod Security Standard: no service-account
 * token (whichever account it runs as: {@code SANDBOX_K8S_SERVICE_ACCOUNT} or the namespace's default), non-root uid/gid 1000, no privilege escalation, every capability dropped, the runtime's
 * default seccomp profile, a read-only root filesystem with two writable {@code emptyDir}s (the
 * workspace at the manifest root and a small {@code /tmp}), resource requests and limits, no
 * service links and no environment from the harness. Its one container only sleeps: commands
 * arrive through the API server's exec endpoint. {@code activeDeadlineSeconds} ends it even if
 * the harness and its reaper are gone.
 */
final class SandboxPodFactory {

    static final String CONTAINER = "sandbox";
    static final long UID = 1000;
    static final String TMP_SIZE = "64Mi";

    private final KubernetesSandboxSettings settings;

    SandboxPodFactory(KubernetesSandboxSettings settings) {
        this.settings = settings;
    }

    Pod build(String sandboxId, String runId, String root, Duration timeout, Instant expiresAt) {
        long seconds = Math.max(1, timeout.toSeconds());
        return new PodBuilder()
                .withNewMetadata()
                    .withName(sandboxId)
                    .withNamespace(settings.namespace())
                    .withLabels(SandboxLabels.of(sandboxId, runId))
                    .withAnnotations(Map.of(SandboxLabels.RUN_ID_ANNOTATION, runId,
                            SandboxLabels.EXPIRES_AT, expiresAt.toString()))
                .endMetadata()
                .withNewSpec()
                    .withServiceAccountName(settings.serviceAccount().orElse(null))
                    .withAutomountServiceAccountToken(false)
                    .withEnableServiceLinks(false)
                    .withHostNetwork(false)
                    .withHostPID(false)
                    .withHostIPC(false)
                    .withRestartPolicy("Never")
                    .withActiveDeadlineSeconds(seconds)
                    // The sleeping PID 1 ignores SIGTERM: a grace period would only delay deletion.
                    .withTerminationGracePeriodSeconds(0L)
                    .withRuntimeClassName(settings.runtimeClass().orElse(null))
                    .withNewSecurityContext()
                        .withRunAsNonRoot(true)
                        .withRunAsUser(UID)
                        .withRunAsGroup(UID)
                        .withFsGroup(UID)
                        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                    .endSecurityContext()
                    .addNewContainer()
                        .withName(CONTAINER)
                        .withImage(settings.image())
                        .withImagePullPolicy("IfNotPresent")
                        .withCommand("sleep", Long.toString(seconds))
                        .withWorkingDir(root)
                        // Constants, not the harness's environment: HOME must be writable under a read-only root.
                        .addNewEnv().withName("HOME").withValue(root).endEnv()
                        .addNewEnv().withName("TMPDIR").withValue("/tmp").endEnv()
                        .withNewSecurityContext()
                            .withRunAsNonRoot(true)
                            .withRunAsUser(UID)
                            .withRunAsGroup(UID)
                            .withPrivileged(false)
                            .withAllowPrivilegeEscalation(false)
                            .withReadOnlyRootFilesystem(true)
                            .withNewCapabilities().withDrop("ALL").endCapabilities()
                            .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                        .endSecurityContext()
                        .withNewResources()
                            .withRequests(Map.of("cpu", new Quantity(settings.cpuRequest()),
                                    "memory", new Quantity(settings.memoryRequest())))
                            .withLimits(Map.of("cpu", new Quantity(settings.cpuLimit()),
                                    "memory", new Quantity(settings.memoryLimit())))
                        .endResources()
                        .addNewVolumeMount().withName("workspace").withMountPath(root).endVolumeMount()
                        .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                    .endContainer()
                    .addNewVolume().withName("workspace")
                        .withNewEmptyDir().withSizeLimit(new Quantity(settings.workspaceSize())).endEmptyDir()
                    .endVolume()
                    .addNewVolume().withName("tmp")
                        .withNewEmptyDir().withSizeLimit(new Quantity(TMP_SIZE)).endEmptyDir()
                    .endVolume()
                .endSpec()
                .build();
    }
}
