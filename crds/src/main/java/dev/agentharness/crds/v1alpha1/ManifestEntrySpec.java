package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * One workspace entry; which fields apply depends on {@link #type}. Mounts carry no credentials:
 * the harness materialises them through presigned URLs.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ManifestEntrySpec {

    @Required
    @JsonPropertyDescription("file, dir, git_repo, r2_mount or s3_mount.")
    private ManifestEntryType type;

    @Size(max = 1048576)
    @JsonPropertyDescription("file: the content written at provisioning time.")
    private String content;

    @Size(max = 253)
    @JsonPropertyDescription("git_repo: host to clone from (default github.com); must be in network.egress.")
    private String host;

    @Size(max = 200)
    @JsonPropertyDescription("git_repo: owner/name.")
    private String repo;

    @Size(max = 200)
    @JsonPropertyDescription("git_repo: tag, branch or commit (default: the remote's default branch).")
    private String ref;

    @Size(max = 1024)
    @JsonPropertyDescription("git_repo: the part of the repository to keep.")
    private String subpath;

    @Size(max = 63)
    @JsonPropertyDescription("r2_mount/s3_mount: bucket name.")
    private String bucket;

    @Size(max = 1024)
    @JsonPropertyDescription("r2_mount/s3_mount: key prefix; may contain {session_id} and {run_id}.")
    private String prefix;

    @JsonPropertyDescription("r2_mount/s3_mount: true (default) = download at start only; false = also upload at the end.")
    private Boolean readOnly;

    public ManifestEntrySpec() {
    }

    public static ManifestEntrySpec file(String content) {
        ManifestEntrySpec entry = new ManifestEntrySpec();
        entry.type = ManifestEntryType.FILE;
        entry.content = content;
        return entry;
    }

    public static ManifestEntrySpec dir() {
        ManifestEntrySpec entry = new ManifestEntrySpec();
        entry.type = ManifestEntryType.DIR;
        return entry;
    }

    public ManifestEntryType getType() {
        return type;
    }

    public void setType(ManifestEntryType type) {
        this.type = type;
    }

    public String getContent() {
        return content;
    }

    public void setContent(String content) {
        this.content = content;
    }

    public String getHost() {
        return host;
    }

    public void setHost(String host) {
        this.host = host;
    }

    public String getRepo() {
        return repo;
    }

    public void setRepo(String repo) {
        this.repo = repo;
    }

    public String getRef() {
        return ref;
    }

    public void setRef(String ref) {
        this.ref = ref;
    }

    public String getSubpath() {
        return subpath;
    }

    public void setSubpath(String subpath) {
        this.subpath = subpath;
    }

    public String getBucket() {
        return bucket;
    }

    public void setBucket(String bucket) {
        this.bucket = bucket;
    }

    public String getPrefix() {
        return prefix;
    }

    public void setPrefix(String prefix) {
        this.prefix = prefix;
    }

    public Boolean getReadOnly() {
        return readOnly;
    }

    public void setReadOnly(Boolean readOnly) {
        this.readOnly = readOnly;
    }
}
