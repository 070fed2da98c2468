package dev.agentharness.api.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One entry of a manifest, keyed in {@link Manifest#entries()} by its workspace-relative path.
 * The JSON form is discriminated by {@code type}.
 */
public sealed interface ManifestEntry {

    /** The {@code type} discriminator as it appears in JSON. */
    String type();

    /** The canonical JSON object of this entry (defaults filled in), for digests and storage. */
    Map<String, Object> toJson();

    /** A file written at provisioning time. */
    record File(String content) implements ManifestEntry {
        @Override
        public String type() {
            return "file";
        }

        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("type", type());
            json.put("content", content);
            return json;
        }
    }

    /** An empty directory created at provisioning time. */
    record Dir() implements ManifestEntry {
        @Override
        public String type() {
            return "dir";
        }

        @Override
        public Map<String, Object> toJson() {
            return Map.of("type", type());
        }
    }

    /**
     * A git repository cloned inside the sandbox from {@code https://{host}/{repo}.git}; it needs
     * {@code host} in {@link Network#egress()}.
     *
     * @param ref     tag, branch or commit; null = the remote's default branch
     * @param subpath the part of the repository to keep; null = all of it
     */
    record GitRepo(String host, String repo, String ref, String subpath) implements ManifestEntry {
        @Override
        public String type() {
            return "git_repo";
        }

        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("type", type());
            json.put("host", host);
            json.put("repo", repo);
            json.put("ref", ref);
            json.put("subpath", subpath);
            return json;
        }
    }

    /**
     * An object-storage prefix made visible in the workspace. It carries no credentials: the
     * harness materialises it through presigned URLs.
     *
     * @param type     {@code r2_mount} or {@code s3_mount}
     * @param prefix   may contain {@code {session_id}} and {@code {run_id}}; see {@link #resolvedPrefix}
     * @param readOnly true (the default) = download at start only; false = also upload changes at the end
     */
    record BucketMount(String type, String bucket, String prefix, boolean readOnly) implements ManifestEntry {

        public String resolvedPrefix(String runId, String sessionId) {
            return prefix.replace("{run_id}", runId).replace("{session_id}", sessionId);
        }

        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("type", type);
            json.put("bucket", bucket);
            json.put("prefix", prefix);
            json.put("read_only", readOnly);
            return json;
        }
    }
}
