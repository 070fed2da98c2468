package dev.agentharness.crds.v1alpha1;

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
 * One agent task: {@code kubectl apply} it and the operator runs it once on the harness, then
 * reports the answer, artifacts, usage and trace id in {@code status}. Its {@code Succeeded}
 * condition follows Tekton: {@code Unknown} while running, then {@code True} or {@code False}
 * with a {@link AgentRunReason reason}.
 */
@Group(AgentRun.GROUP)
@Version(AgentRun.VERSION)
@Kind("AgentRun")
@Plural("agentruns")
@Singular("agentrun")
@ShortNames("ar")
@Categories("agentharness")
@AdditionalPrinterColumn(name = "Succeeded", jsonPath = ".status.conditions[?(@.type==\"Succeeded\")].status")
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Succeeded\")].reason")
@AdditionalPrinterColumn(name = "Agent", jsonPath = ".spec.agent")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Duration", jsonPath = ".status.duration")
@AdditionalPrinterColumn(name = "Run", jsonPath = ".status.runId", priority = 1)
// Wide output only: `kubectl get ar -o wide -w` shows a long run advancing (and Succeeded/Reason stay the default view).
@AdditionalPrinterColumn(name = "Turns", jsonPath = ".status.progress.turns", type = AdditionalPrinterColumn.Type.INTEGER,
        priority = 1)
public class AgentRun extends CustomResource<AgentRunSpec, AgentRunStatus> implements Namespaced {

    public static final String GROUP = "agentharness.dev";
    public static final String VERSION = "v1alpha1";

    /** The condition every AgentRun carries. */
    public static final String SUCCEEDED = "Succeeded";
}
