package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A key of a ConfigMap in the Agent's own namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ConfigMapKeyReference {

    @Required
    @Pattern(SandboxManifestReference.NAME_PATTERN)
    @JsonPropertyDescription("metadata.name of the ConfigMap.")
    private String name;

    @Required
    @Pattern("^[-._a-zA-Z0-9]+$")
    @JsonPropertyDescription("The key whose value is the file, e.g. golden.jsonl.")
    private String key;

    public ConfigMapKeyReference() {
    }

    public ConfigMapKeyReference(String name, String key) {
        this.name = name;
        this.key = key;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getKey() {
        return key;
    }

    public void setKey(String key) {
        this.key = key;
    }
}
