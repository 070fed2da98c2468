package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Names a {@link SandboxManifest} in the AgentRun's own namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SandboxManifestReference {

    /** A DNS-1123 subdomain, the rule for object names. */
    public static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

    @Required
    @Pattern(NAME_PATTERN)
    @JsonPropertyDescription("metadata.name of the SandboxManifest.")
    private String name;

    public SandboxManifestReference() {
    }

    public SandboxManifestReference(String name) {
        this.name = name;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }
}
