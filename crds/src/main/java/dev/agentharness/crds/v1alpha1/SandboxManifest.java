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
 * The workspace an agent's generated code gets (SPEC §8): files, directories, repositories and
 * storage mounts, the capabilities the model may use and the hosts the sandbox may reach.
 * AgentRuns reference it by name; the operator validates it with the harness's own validator and
 * reports {@code Ready} with a digest.
 */
@JsonClassDescription("The workspace an agent's generated code gets: files, directories, repositories and storage mounts, "
        + "the capabilities the model may use and the hosts the sandbox may reach. AgentRuns reference it by "
        + "name; the operator validates it and reports Ready with a digest.")
@Group(AgentRun.GROUP)
@Version(AgentRun.VERSION)
@Kind("SandboxManifest")
@Plural("sandboxmanifests")
@Singular("sandboxmanifest")
@ShortNames("sbm")
@Categories("agentharness")
// In this order on a real API server (CrdPostProcessor undoes the generator's sort by JSON path, fabric8 #7454).
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Digest", jsonPath = ".status.digest", priority = 1)
public class SandboxManifest extends CustomResource<SandboxManifestSpec, SandboxManifestStatus> implements Namespaced {

    /** The condition every SandboxManifest carries. */
    public static final String READY = "Ready";
    /** Reasons of {@link #READY}. */
    public static final String VALID = "Valid";
    public static final String INVALID = "Invalid";
}
