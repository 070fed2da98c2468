package dev.agentharness.runtime.sandbox;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestEntry;
import dev.agentharness.api.sandbox.ManifestProblem;
import java.util.ArrayList;
import java.util.List;

/** What several providers refuse alike, worded alike, for their {@link SandboxProvider#unsupported}. */
public final class ProviderLimits {

    private ProviderLimits() {
    }

    /**
     * A workspace root equal to or under one of {@code reserved} system paths, which the provider's sandbox
     * needs for itself.
     *
     * @param how what the provider would do there, e.g. "place the workspace under" or "mount the workspace over"
     */
    public static List<ManifestProblem> reservedRoot(Manifest manifest, String provider, List<String> reserved, String how) {
        List<ManifestProblem> problems = new ArrayList<>();
        for (String path : reserved) {
            if (manifest.root().equals(path) || manifest.root().startsWith(path + "/")) {
                problems.add(new ManifestProblem("root", "the " + provider + " provider cannot " + how + " " + path
                        + "; use a path such as /workspace"));
            }
        }
        return problems;
    }

    /** Every {@code git_repo} entry, for a provider that cannot clone. */
    public static List<ManifestProblem> gitReposUnsupported(Manifest manifest, String provider) {
        List<ManifestProblem> problems = new ArrayList<>();
        manifest.entries().forEach((path, entry) -> {
            if (entry instanceof ManifestEntry.GitRepo) {
                problems.add(new ManifestProblem("entries['" + path + "']", "git_repo is not supported by the " + provider
                        + " provider yet; put the files in 'file' entries"));
            }
        });
        return problems;
    }
}
