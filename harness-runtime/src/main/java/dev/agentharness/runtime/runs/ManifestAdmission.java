package dev.agentharness.runtime.runs;

import dev.agentharness.api.sandbox.ManifestProblem;
import dev.agentharness.api.sandbox.ManifestValidation;
import dev.agentharness.api.sandbox.ManifestValidator;
import dev.agentharness.runtime.sandbox.SandboxPlane;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Whether a run's {@code manifest} can be honoured, decided before anything is written: 422 when
 * this harness has no sandbox provider, 400 naming every problem of an invalid manifest, 422 for a
 * valid manifest the configured provider cannot provision.
 */
final class ManifestAdmission {

    private ManifestAdmission() {
    }

    static void admit(Map<String, Object> manifest, SandboxPlane sandboxes) {
        admit(manifest, sandboxes, "field 'manifest'", "remove 'manifest'");
    }

    /**
     * The manifest an agent brings ({@code sandboxManifest} of its spec), the run's when the request has none: refused
     * alike, naming the agent's field.
     */
    static void admitAgentManifest(String agent, Map<String, Object> manifest, SandboxPlane sandboxes) {
        admit(manifest, sandboxes, "agent '" + agent + "' sandboxManifest",
                "run an agent version without 'sandboxManifest'");
    }

    private static void admit(Map<String, Object> manifest, SandboxPlane sandboxes, String field, String remedy) {
        if (sandboxes == null || sandboxes.provider().isEmpty()) {
            throw RunRejectedException.unprocessable(
                    field + ": no sandbox provider is configured on this harness, so a run cannot get a "
                            + "sandbox; " + remedy + " or configure a sandbox provider (SANDBOX_PROVIDER)");
        }
        ManifestValidation validation = ManifestValidator.validate(manifest);
        if (!validation.valid()) {
            throw RunRejectedException.invalid(field + ": " + validation.summary());
        }
        List<ManifestProblem> unsupported = sandboxes.unsupported(validation.manifest());
        if (!unsupported.isEmpty()) {
            throw RunRejectedException.unprocessable(field + ": the "
                    + sandboxes.provider().get().name() + " sandbox provider cannot provision it: "
                    + unsupported.stream().map(ManifestProblem::toString).collect(Collectors.joining("; ")));
        }
        SandboxPlane.warnAboutDroppedCapabilities(validation.manifest());
    }
}
