package dev.agentharness.api.sandbox;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The outcome of {@link ManifestValidator#validate}.
 *
 * @param manifest the normalised manifest; null when invalid
 * @param problems everything wrong, in the order found; empty when valid
 */
public record ManifestValidation(Manifest manifest, List<ManifestProblem> problems) {

    public ManifestValidation {
        problems = List.copyOf(problems);
        if (problems.isEmpty() == (manifest == null)) {
            throw new IllegalArgumentException("a validation has either a manifest or problems");
        }
    }

    public boolean valid() {
        return problems.isEmpty();
    }

    /**
     * {@code sha256:<hex>} of the canonical JSON of the normalised manifest: two manifests that
     * mean the same (key order, {@code a/./b} vs {@code a/b}, defaults spelled out or not) have
     * the same digest. Null when invalid.
     */
    public String digest() {
        if (!valid()) {
            return null;
        }
        return CanonicalJson.digest(manifest.toJson());
    }

    /** One line naming every problem, for a condition message or a 4xx detail; "valid" when there are none. */
    public String summary() {
        if (valid()) {
            return "valid";
        }
        return "invalid manifest: " + problems.stream().map(ManifestProblem::toString).collect(Collectors.joining("; "));
    }
}
