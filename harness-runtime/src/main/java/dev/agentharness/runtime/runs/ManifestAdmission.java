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
        if (sandboxes == null || sandboxes.provider().isEmpty()) {
            throw RunRejectedException.unprocessable(
                    "field 'manifest': no sandbox provider is configured on this harness, so a run cannot get a "
                            + "sandbox; remove 'manifest' or configure a sandbox provider (SANDBOX_PROVIDER)");
        }
        ManifestValidation validation = ManifestValidator.validate(manifest);
        if (!validation.valid()) {
            throw RunRejectedException.invalid("field 'manifest': " + validation.summary());
        }
        List<ManifestProblem> unsupported = sandboxes.unsupported(validation.manifest());
        if (!unsupported.isEmpty()) {
            throw RunRejectedException.unprocessable("field 'manifest': the "
                    + sandboxes.provider().get().name() + " sandbox provider cannot provision it: "
                    + unsupported.stream().map(ManifestProblem::toString).collect(Collectors.joining("; ")));
        }
        SandboxPlane.warnAboutDroppedCapabilities(validation.manifest());
    }
}
