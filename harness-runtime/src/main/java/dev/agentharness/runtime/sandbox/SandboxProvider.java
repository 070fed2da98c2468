package dev.agentharness.runtime.sandbox;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestProblem;
import java.util.List;

/**
 * Where sandboxes come from (SPEC §8): one implementation per execution plane (local bubblewrap
 * today; E2B, Kubernetes and Cloudflare behind the same interface later). Implementations are
 * thread-safe; one provider serves every run of the harness.
 */
public interface SandboxProvider {

    /** The {@code SANDBOX_PROVIDER} value that selects this provider. */
    String name();

    /**
     * What this provider cannot do with a manifest that is otherwise valid (for example a mount
     * before storage exists). Checked before a run is written, answered as 422.
     */
    List<ManifestProblem> unsupported(Manifest manifest);

    /**
     * Provisions a sandbox and materialises the manifest's {@code file}, {@code dir} (and, where
     * supported, {@code git_repo}) entries in its workspace. Bucket mounts are not the provider's:
     * the plane fills them afterwards through the sandbox's file API ({@link BucketMounts}), so no
     * provider ever sees a storage credential or a presigned link.
     */
    Sandbox create(SandboxSpec spec) throws SandboxException;

    /** True when sandboxes can be created right now (for {@code /health}). Never throws. */
    boolean healthy();

    /** Every sandbox this provider holds for this harness, for the reaper. */
    List<OwnedSandbox> owned();

    /** Destroys a sandbox by id; an unknown id is not an error (it may be gone already). */
    void destroy(String sandboxId);
}
