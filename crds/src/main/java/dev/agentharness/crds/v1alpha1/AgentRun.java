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
 * One agent task: {@code kubectl apply} it and the operator runs it once on the harness, then
 * reports the answer, artifacts, usage and trace id in {@code status}. Its {@code Succeeded}
 * condition follows Tekton: {@code Unknown} while running, then {@code True} or {@code False}
 * with a {@link AgentRunReason reason}.
 */
@JsonClassDescription("One agent task: create it and the operator runs it once on the harness, then reports the answer, "
        + "artifacts, usage and trace id in status. Its Succeeded condition follows Tekton: Unknown while "
        + "running, then True or False with a reason (Succeeded, Failed, Cancelled, TimedOut, BudgetExceeded, "
        + "...).")
@Group(AgentRun.GROUP)
@Version(AgentRun.VERSION)
@Kind("AgentRun")
@Plural("agentruns")
@Singular("agentrun")
@ShortNames("ar")
@Categories("agentharness")
// Columns in this order on a real API server: the generator sorts them by JSON path (fabric8 #7454) and
// dev.agentharness.crds.build.CrdPostProcessor puts them back in declaration order. Tekton-like: NAME SUCCEEDED REASON
// then when it started and finished; wide output (-o wide, e.g. with -w) adds the harness run id and the turns so far.
@AdditionalPrinterColumn(name = "Succeeded", jsonPath = ".status.conditions[?(@.type==\"Succeeded\")].status")
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Succeeded\")].reason")
@AdditionalPrinterColumn(name = "Agent", jsonPath = ".spec.agent")
@AdditionalPrinterColumn(name = "StartTime", jsonPath = ".status.startTime", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "CompletionTime", jsonPath = ".status.completionTime",
        type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Duration", jsonPath = ".status.duration")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Run", jsonPath = ".status.runId", priority = 1)
@AdditionalPrinterColumn(name = "Turns", jsonPath = ".status.progress.turns", type = AdditionalPrinterColumn.Type.INTEGER,
        priority = 1)
public class AgentRun extends CustomResource<AgentRunSpec, AgentRunStatus> implements Namespaced {

    public static final String GROUP = "agentharness.dev";
    public static final String VERSION = "v1alpha1";

    /** The condition every AgentRun carries. */
    public static final String SUCCEEDED = "Succeeded";
}
