package dev.agentharness.api.sandbox;

/**
 * One thing wrong with a manifest.
 *
 * @param field   where, in the manifest's own terms: {@code root}, {@code entries['../x']}, {@code capabilities[2]}
 * @param message what is wrong and how to fix it; never echoes a value that might be a secret
 */
public record ManifestProblem(String field, String message) {

    @Override
    public String toString() {
        return field + ": " + message;
    }
}
