package dev.agentharness.runtime.sandbox.kubernetes;

import dev.agentharness.api.sandbox.Network;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One NetworkPolicy per sandbox Pod (selected by its sandbox-id label), because the egress allowlist
 * is per manifest. It denies all ingress and, for a manifest without {@code network.egress}, all
 * egress — DNS included. NetworkPolicy cannot match host names, so a manifest that lists hosts gets
 * DNS (kube-dns) plus the operator-configured {@code SANDBOX_K8S_EGRESS_CIDRS}, typically an egress
 * proxy that enforces the host list; without configured CIDRs such a manifest is refused
 * ({@link KubernetesSandboxProvider#unsupported}). The Pod owns the policy, so deleting the Pod —
 * by the harness, the reaper or {@code activeDeadlineSeconds} plus garbage collection — removes it.
 */
final class SandboxNetworkPolicyFactory {

    private final KubernetesSandboxSettings settings;

    SandboxNetworkPolicyFactory(KubernetesSandboxSettings settings) {
        this.settings = settings;
    }

    NetworkPolicy build(Pod pod, String runId, Network network) {
        String sandboxId = pod.getMetadata().getName();
        List<NetworkPolicyEgressRule> egress = new ArrayList<>();
        if (!network.egress().isEmpty()) {
            egress.add(new NetworkPolicyEgressRuleBuilder()
                    .addNewTo()
                        .withNewNamespaceSelector().addToMatchLabels("kubernetes.io/metadata.name", "kube-system")
                        .endNamespaceSelector()
                        .withNewPodSelector().addToMatchLabels("k8s-app", "kube-dns").endPodSelector()
                    .endTo()
                    .addNewPort().withProtocol("UDP").withPort(new IntOrString(53)).endPort()
                    .addNewPort().withProtocol("TCP").withPort(new IntOrString(53)).endPort()
                    .build());
            NetworkPolicyEgressRuleBuilder allowed = new NetworkPolicyEgressRuleBuilder();
            settings.egressCidrs().forEach(cidr -> allowed.addNewTo().withNewIpBlock().withCidr(cidr).endIpBlock().endTo());
            egress.add(allowed.build());
        }
        return new NetworkPolicyBuilder()
                .withNewMetadata()
                    .withName(sandboxId)
                    .withNamespace(settings.namespace())
                    .withLabels(SandboxLabels.of(sandboxId, runId))
                    .addNewOwnerReference()
                        .withApiVersion("v1")
                        .withKind("Pod")
                        .withName(sandboxId)
                        .withUid(pod.getMetadata().getUid())
                    .endOwnerReference()
                .endMetadata()
                .withNewSpec()
                    .withNewPodSelector().withMatchLabels(Map.of(SandboxLabels.SANDBOX_ID, sandboxId)).endPodSelector()
                    .withPolicyTypes("Ingress", "Egress")
                    .withIngress(List.of())
                    .withEgress(egress)
                .endSpec()
                .build();
    }
}
