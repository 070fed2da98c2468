package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** Where a golden set (or its baseline) is read from: exactly one of a ConfigMap key or a git file. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.configMapKeyRef) != has(self.git)",
        message = "set exactly one of configMapKeyRef or git")
public class DatasetSource {

    @JsonPropertyDescription("A key of a ConfigMap in this namespace holding the file.")
    private ConfigMapKeyReference configMapKeyRef;

    @JsonPropertyDescription("A file in a git repository.")
    private GitFileReference git;

    public ConfigMapKeyReference getConfigMapKeyRef() {
        return configMapKeyRef;
    }

    public void setConfigMapKeyRef(ConfigMapKeyReference configMapKeyRef) {
        this.configMapKeyRef = configMapKeyRef;
    }

    public GitFileReference getGit() {
        return git;
    }

    public void setGit(GitFileReference git) {
        this.git = git;
    }
}
