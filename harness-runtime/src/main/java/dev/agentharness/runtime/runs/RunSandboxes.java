package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestValidation;
import dev.agentharness.api.sandbox.ManifestValidator;
import dev.agentharness.runtime.state.RunRecord;
import java.util.Map;

/**
 * A run's manifest, read back from the stored request: the request JSON is the durable record of
 * what was asked, so a run picked up by another replica or after a restart gets the same sandbox.
 */
final class RunSandboxes {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RunSandboxes() {
    }

    /** The normalised manifest, or null when the run asked for no sandbox. */
    static Manifest manifestOf(RunRecord run) {
        if (run.requestJson() == null || !run.requestJson().contains("\"manifest\"")) {
            return null; // most runs have no sandbox: no need to parse their whole request
        }
        Map<String, Object> request;
        try {
            request = JSON.readValue(run.requestJson(), new TypeReference<>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the stored request of run " + run.runId() + " is not JSON", e);
        }
        if (!(request.get("manifest") instanceof Map<?, ?> raw)) {
            return null;
        }
        @SuppressWarnings("unchecked")
        ManifestValidation validation = ManifestValidator.validate((Map<String, Object>) raw);
        if (!validation.valid()) {
            // Validated at submission with the same code; only a harness downgrade could get here.
            throw new IllegalStateException("the stored manifest is no longer valid: " + validation.summary());
        }
        return validation.manifest();
    }
}
