package dev.agentharness.runtime.sandbox.e2b;

import dev.agentharness.api.sandbox.ManifestEntry;
import java.util.List;

/**
 * A {@code git_repo} entry, cloned inside the sandbox (it needs {@code git} in the template and
 * the host in the manifest's egress, which the validator already demands). Values reach the
 * script as positional parameters, never spliced into its text, so no ref or path can inject
 * shell. A shallow fetch of exactly the ref (branch, tag or commit) keeps the download small.
 */
final class GitClone {

    private static final String SCRIPT = """
            set -eu
            dest="$1"; url="$2"; ref="$3"; sub="$4"
            work=$(mktemp -d)
            trap 'rm -rf "$work"' EXIT
            git init -q "$work/repo"
            git -C "$work/repo" remote add origin "$url"
            git -C "$work/repo" fetch -q --depth 1 origin "${ref:-HEAD}"
            git -C "$work/repo" -c advice.detachedHead=false checkout -q FETCH_HEAD
            src="$work/repo"
            if [ -n "$sub" ]; then
              src="$work/repo/$sub"
              [ -e "$src" ] || { echo "subpath '$sub' does not exist in the repository" >&2; exit 3; }
            fi
            mkdir -p "$(dirname "$dest")"
            rm -rf "$dest"
            cp -a "$src" "$dest"
            """;

    private GitClone() {
    }

    static List<String> command(ManifestEntry.GitRepo repo, String target) {
        String url = "https://" + repo.host() + "/" + repo.repo() + ".git";
        return List.of("/bin/sh", "-c", SCRIPT, "git-clone", target, url,
                repo.ref() == null ? "" : repo.ref(), repo.subpath() == null ? "" : repo.subpath());
    }
}
