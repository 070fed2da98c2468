package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A file in a git repository the operator can read without credentials. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GitFileReference {

    @Required
    @JsonPropertyDescription("The repository, https:// (no credentials in the URL), ssh:// or file://.")
    private String url;

    @JsonPropertyDescription("Branch, tag or commit; the repository's default branch when absent.")
    private String ref;

    @Required
    @JsonPropertyDescription("The file's path in the repository, e.g. evals/maya.jsonl.")
    private String path;

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public String getRef() {
        return ref;
    }

    public void setRef(String ref) {
        this.ref = ref;
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }
}
