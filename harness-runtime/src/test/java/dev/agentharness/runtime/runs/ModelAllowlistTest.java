package dev.agentharness.runtime.runs;

import dev.agentharness.api.RunRequest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** HARNESS_MODELS_ALLOWED: a request naming another model is refused with the allowed ones; unset = any. */
class ModelAllowlistTest {

    @Test
    void aModelOffTheListIsRefusedNamingTheFieldAndTheAllowedModels() {
        RunRequestValidator validator = new RunRequestValidator(limits(Optional.of(List.of("gpt-5.4-mini", "gpt-5.4"))));

        RunRequestValidator.InvalidRunRequest refused = assertThrows(RunRequestValidator.InvalidRunRequest.class,
                () -> validator.validate(withModel("o3-pro"), null, Set.of()));

        assertEquals("field 'model': 'o3-pro' is not allowed here (allowed: gpt-5.4, gpt-5.4-mini)", refused.getMessage());
        validator.validate(withModel("gpt-5.4"), null, Set.of());
        validator.validate(RunRequest.of("hi"), null, Set.of()); // no model: the default, always allowed
    }

    @Test
    void withoutAListAnyWellFormedModelIsAccepted() {
        new RunRequestValidator(limits(Optional.empty())).validate(withModel("o3-pro"), null, Set.of());
    }

    private static RunRequest withModel(String model) {
        return new RunRequest("hi", null, null, model, null, null, null, null, null);
    }

    private static RunLimits limits(Optional<List<String>> allowed) {
        return new RunLimits() {
            public int maxMessageBytes() { return 65536; }
            public int defaultMaxTurns() { return 10; }
            public int maxTurnsLimit() { return 100; }
            public int maxTimeoutSeconds() { return 3600; }
            public int syncWaitSeconds() { return 300; }
            public int leaseSeconds() { return 30; }
            public int leaseGraceSeconds() { return 30; }

            public int maxRecoveries() { return 3; }
            public int releaseWaitSeconds() { return 10; }
            public int completeRetrySeconds() { return 300; }
            public int toolTimeoutSeconds() { return 120; }
            public int shutdownGraceSeconds() { return 45; }
            public int maxInFlight() { return 2000; }
            public int maxMetadataEntries() { return 16; }
            public Optional<List<String>> modelsAllowed() { return allowed; }
        };
    }
}
