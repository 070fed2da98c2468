package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * An agent, versioned: every change of {@code spec} is a new immutable version on the harness ({@code sha256:} of the
 * normalised spec), and it serves runs only once its golden set ({@code spec.evaluation}) passed against it — until
 * then the last passing version ({@code status.activeVersion}) keeps serving. AgentRuns of the namespace name it in
 * {@code spec.agent}. The spec is the one agent format (docs/agents.md): the same text is an agent file for a harness
 * without Kubernetes.
 */
@JsonClassDescription("An agent, versioned: every change of spec is a new immutable version on the harness (sha256: of the "
        + "normalised spec); it serves runs only once its golden set (spec.evaluation) passed, until then the "
        + "last passing version (status.activeVersion) keeps serving. AgentRuns of the namespace name it in "
        + "spec.agent. See docs/agents.md.")
@Group(AgentRun.GROUP)
@Version(AgentRun.VERSION)
@Kind("Agent")
@Plural("agents")
@Singular("agent")
@ShortNames("agent")
@Categories("agentharness")
// In this order on a real API server (CrdPostProcessor undoes the generator's sort by JSON path, fabric8 #7454).
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason")
@AdditionalPrinterColumn(name = "Model", jsonPath = ".spec.model")
@AdditionalPrinterColumn(name = "Active", jsonPath = ".status.activeVersion")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Candidate", jsonPath = ".status.candidateVersion", priority = 1)
public class Agent extends CustomResource<AgentSpec, AgentStatus> implements Namespaced {

    /** The condition every Agent carries. */
    public static final String READY = "Ready";
}
