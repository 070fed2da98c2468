package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonValue;

/** The kinds of workspace entry, with their names in the manifest. */
public enum ManifestEntryType {
    FILE("file"),
    DIR("dir"),
    GIT_REPO("git_repo"),
    R2_MOUNT("r2_mount"),
    S3_MOUNT("s3_mount");

    private final String wire;

    ManifestEntryType(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }
}
