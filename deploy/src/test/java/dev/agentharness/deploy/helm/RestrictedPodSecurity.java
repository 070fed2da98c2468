package dev.agentharness.deploy.helm;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Pod Security Standards "restricted" profile (kubernetes.io/docs/concepts/security/pod-security-standards),
 * checked on a typed PodSpec: the baseline controls (no host namespaces, ports or paths, not privileged, only the
 * default capabilities, no unsafe sysctls, default /proc mount, AppArmor/SELinux not loosened) plus the restricted
 * ones (allowed volume types, no privilege escalation, non-root, seccomp RuntimeDefault or Localhost, drop ALL and add
 * at most NET_BIND_SERVICE). Returns the violations; an empty list means the pod would be admitted.
 */
public final class RestrictedPodSecurity {

    private static final Set<String> SAFE_SYSCTLS = Set.of("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
            "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
            "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes");
    private static final Set<String> SELINUX_TYPES = Set.of("", "container_t", "container_init_t", "container_kvm_t",
            "container_engine_t");

    private RestrictedPodSecurity() {
    }

    public static List<String> violations(String owner, PodSpec pod) {
        List<String> v = new ArrayList<>();
        if (Boolean.TRUE.equals(pod.getHostNetwork())) v.add(owner + ": hostNetwork");
        if (Boolean.TRUE.equals(pod.getHostPID())) v.add(owner + ": hostPID");
        if (Boolean.TRUE.equals(pod.getHostIPC())) v.add(owner + ": hostIPC");
        for (Volume volume : pod.getVolumes() == null ? List.<Volume>of() : pod.getVolumes()) {
            boolean allowed = volume.getConfigMap() != null || volume.getCsi() != null || volume.getDownwardAPI() != null
                    || volume.getEmptyDir() != null || volume.getEphemeral() != null
                    || volume.getPersistentVolumeClaim() != null || volume.getProjected() != null
                    || volume.getSecret() != null;
            if (!allowed) v.add(owner + ": volume " + volume.getName() + " has a type restricted pods may not use");
        }
        PodSecurityContext podContext = pod.getSecurityContext() == null ? new PodSecurityContext() : pod.getSecurityContext();
        if (podContext.getSysctls() != null) {
            podContext.getSysctls().stream().filter(s -> !SAFE_SYSCTLS.contains(s.getName()))
                    .forEach(s -> v.add(owner + ": unsafe sysctl " + s.getName()));
        }
        if (podContext.getSeLinuxOptions() != null) {
            checkSeLinux(owner, podContext.getSeLinuxOptions(), v);
        }
        if (Long.valueOf(0).equals(podContext.getRunAsUser())) v.add(owner + ": pod runAsUser 0");
        checkSeccomp(owner + " (pod)", podContext.getSeccompProfile(), false, v);

        List<Container> containers = Stream.of(pod.getInitContainers(), pod.getContainers())
                .filter(l -> l != null).flatMap(List::stream).toList();
        if (pod.getEphemeralContainers() != null && !pod.getEphemeralContainers().isEmpty()) {
            v.add(owner + ": ephemeral containers in a template");
        }
        for (Container c : containers) {
            String where = owner + "/" + c.getName();
            SecurityContext sc = c.getSecurityContext();
            if (sc == null) {
                v.add(where + ": no securityContext (allowPrivilegeEscalation and capabilities must be set)");
                continue;
            }
            if (Boolean.TRUE.equals(sc.getPrivileged())) v.add(where + ": privileged");
            if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) v.add(where + ": allowPrivilegeEscalation not false");
            boolean nonRoot = Boolean.TRUE.equals(sc.getRunAsNonRoot())
                    || (sc.getRunAsNonRoot() == null && Boolean.TRUE.equals(podContext.getRunAsNonRoot()));
            if (!nonRoot) v.add(where + ": runAsNonRoot not true");
            if (Long.valueOf(0).equals(sc.getRunAsUser())) v.add(where + ": runAsUser 0");
            Capabilities caps = sc.getCapabilities();
            if (caps == null || caps.getDrop() == null || !caps.getDrop().contains("ALL")) {
                v.add(where + ": capabilities do not drop ALL");
            }
            if (caps != null && caps.getAdd() != null) {
                caps.getAdd().stream().filter(a -> !a.equals("NET_BIND_SERVICE"))
                        .forEach(a -> v.add(where + ": adds capability " + a));
            }
            if (sc.getProcMount() != null && !sc.getProcMount().equals("Default")) v.add(where + ": procMount " + sc.getProcMount());
            if (sc.getSeLinuxOptions() != null) checkSeLinux(where, sc.getSeLinuxOptions(), v);
            if (sc.getAppArmorProfile() != null && "Unconfined".equals(sc.getAppArmorProfile().getType())) {
                v.add(where + ": AppArmor unconfined");
            }
            boolean podSeccomp = podContext.getSeccompProfile() != null;
            checkSeccomp(where, sc.getSeccompProfile(), !podSeccomp, v);
            for (ContainerPort port : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
                if (port.getHostPort() != null && port.getHostPort() != 0) v.add(where + ": hostPort " + port.getHostPort());
            }
        }
        return v;
    }

    private static void checkSeccomp(String where, SeccompProfile profile, boolean required, List<String> v) {
        if (profile == null) {
            if (required) v.add(where + ": no seccompProfile (RuntimeDefault or Localhost)");
            return;
        }
        if (!Set.of("RuntimeDefault", "Localhost").contains(profile.getType())) {
            v.add(where + ": seccompProfile " + profile.getType());
        }
    }

    private static void checkSeLinux(String where, io.fabric8.kubernetes.api.model.SELinuxOptions options, List<String> v) {
        if (options.getType() != null && !SELINUX_TYPES.contains(options.getType())) v.add(where + ": SELinux type " + options.getType());
        if (options.getUser() != null && !options.getUser().isEmpty()) v.add(where + ": SELinux user set");
        if (options.getRole() != null && !options.getRole().isEmpty()) v.add(where + ": SELinux role set");
    }
}
