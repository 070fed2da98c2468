package dev.agentharness.runtime.sandbox.kubernetes;

import dev.agentharness.api.sandbox.Network;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
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
 * ({@link KubernetesSandboxProvider#unsupported}). The policy is created <em>before</em> its Pod, so the Pod
 * never runs unfenced, and it owns the Pod: deleting the policy garbage-collects the Pod, so no sandbox Pod outlives
 * its policy. The harness and the reaper delete both by name.
 */
final class SandboxNetworkPolicyFactory {

    private final KubernetesSandboxSettings settings;

    SandboxNetworkPolicyFactory(KubernetesSandboxSettings settings) {
        this.settings = settings;
    }

    NetworkPolicy build(String sandboxId, String runId, Network network) {
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
                .endMetadata()
                .withNewSpec()
                    .withNewPodSelector().withMatchLabels(Map.of(SandboxLabels.SANDBOX_ID, sandboxId)).endPodSelector()
                    .withPolicyTypes("Ingress", "Egress")
                    .withIngress(List.of())
                    .withEgress(egress)
                .endSpec()
                .build();
    }

    /** The reference that makes the policy (created first) the Pod's owner: the Pod is garbage once it is gone. */
    static OwnerReference ownerOfPod(NetworkPolicy policy) {
        return new OwnerReferenceBuilder()
                .withApiVersion("networking.k8s.io/v1")
                .withKind("NetworkPolicy")
                .withName(policy.getMetadata().getName())
                .withUid(policy.getMetadata().getUid())
                .build();
    }
}
