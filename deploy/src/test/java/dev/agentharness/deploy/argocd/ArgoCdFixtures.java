package dev.agentharness.deploy.argocd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.crds.v1alpha1.Agent;
import dev.agentharness.crds.v1alpha1.AgentReason;
import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunPhase;
import dev.agentharness.crds.v1alpha1.AgentRunReason;
import dev.agentharness.crds.v1alpha1.AgentRunSpec;
import dev.agentharness.crds.v1alpha1.AgentRunStatus;
import dev.agentharness.crds.v1alpha1.AgentSpec;
import dev.agentharness.crds.v1alpha1.AgentStatus;
import dev.agentharness.crds.v1alpha1.SandboxManifest;
import dev.agentharness.crds.v1alpha1.SandboxManifestSpec;
import dev.agentharness.crds.v1alpha1.SandboxManifestStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * AgentRuns and SandboxManifests for the Argo CD scripts, built from the crds classes the operator writes and
 * serialised the way the API server hands them to Argo CD (JSON): a renamed or reshaped status field changes these
 * objects, and the Lua tests see it.
 */
final class ArgoCdFixtures {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String DIGEST = "sha256:" + "ab12".repeat(16);

    private ArgoCdFixtures() {
    }

    /** An AgentRun at generation 1; {@code reason} null = no status yet (just applied). */
    static AgentRun agentRun(AgentRunReason reason, String message) {
        AgentRun run = new AgentRun();
        run.setMetadata(new ObjectMetaBuilder().withName("hello").withNamespace("team-a").withGeneration(1L).build());
        AgentRunSpec spec = new AgentRunSpec();
        spec.setAgent("maya");
        spec.setInput("Hi, I am ACME-1002 and my card was declined");
        run.setSpec(spec);
        if (reason != null) {
            AgentRunStatus status = new AgentRunStatus();
            status.setObservedGeneration(1L);
            status.setPhase(phaseOf(reason));
            status.getConditions().add(condition(AgentRun.SUCCEEDED, reason.conditionStatus(), reason.name(), message));
            if (reason != AgentRunReason.Pending) {
                status.setRunId("run_01");
                status.setIdempotencyKey("agentrun/team-a/hello/" + "0".repeat(32));
            }
            run.setStatus(status);
        }
        return run;
    }

    /** The phase that goes with a reason: its namesake, else Failed for a failure and Pending while waiting. */
    static AgentRunPhase phaseOf(AgentRunReason reason) {
        return Arrays.stream(AgentRunPhase.values()).filter(p -> p.name().equals(reason.name())).findFirst()
                .orElse(reason.finished() ? AgentRunPhase.Failed : AgentRunPhase.Pending);
    }

    /**
     * An Agent at generation 1 as the promotion gate leaves it: Ready True when {@code reason} is Active, Unknown when
     * HarnessUnavailable, else False;
     * {@code reason} null = no status yet (just applied); {@code active} = status.activeVersion (may be null).
     */
    static Agent agent(AgentReason reason, String message, String active) {
        Agent agent = new Agent();
        agent.setMetadata(new ObjectMetaBuilder().withName("support").withNamespace("team-a").withGeneration(1L).build());
        AgentSpec spec = new AgentSpec();
        spec.setInstructions("You are Acme's support agent.");
        agent.setSpec(spec);
        if (reason != null) {
            AgentStatus status = new AgentStatus();
            status.setObservedGeneration(1L);
            status.setActiveVersion(active);
            status.setConditions(new java.util.ArrayList<>(java.util.List.of(condition(Agent.READY,
                    reason == AgentReason.Active ? "True" : reason == AgentReason.HarnessUnavailable ? "Unknown" : "False",
                    reason.name(), message))));
            agent.setStatus(status);
        }
        return agent;
    }

    /** A SandboxManifest at generation 1, validated (Ready True/False) or not yet ({@code ready} null). */
    static SandboxManifest sandboxManifest(Boolean ready, String message) {
        SandboxManifest manifest = new SandboxManifest();
        manifest.setMetadata(new ObjectMetaBuilder().withName("notes").withNamespace("team-a").withGeneration(1L).build());
        SandboxManifestSpec spec = new SandboxManifestSpec();
        spec.setRoot("/workspace");
        manifest.setSpec(spec);
        if (ready != null) {
            SandboxManifestStatus status = new SandboxManifestStatus();
            status.setObservedGeneration(1L);
            status.getConditions().add(condition(SandboxManifest.READY, ready ? "True" : "False",
                    ready ? SandboxManifest.VALID : SandboxManifest.INVALID, message));
            status.setDigest(ready ? DIGEST : null);
            manifest.setStatus(status);
        }
        return manifest;
    }

    static Condition condition(String type, String status, String reason, String message) {
        return new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withObservedGeneration(1L).withLastTransitionTime("2026-11-30T12:00:00Z").build();
    }

    /** The object as JSON, through fabric8's serialisation (the CR classes' own Jackson annotations apply). */
    static JsonNode json(Object resource) {
        try {
            return JSON.readTree(SERIALIZATION.asJson(resource));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
