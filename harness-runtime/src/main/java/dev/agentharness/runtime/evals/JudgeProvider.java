package dev.agentharness.runtime.evals;

import dev.agentharness.runtime.model.ModelClient;
import dev.agentharness.runtime.model.ModelSettings;

import java.util.Objects;
import java.util.Optional;

/**
 * Where judge graders get their judge, when they grade (not when they are parsed): a dataset or an agent file parses
 * without a model, and a runner asks {@link Dataset#needsJudge()} and {@link #judge()} before it runs anything.
 */
public interface JudgeProvider {

    String NOT_CONFIGURED = "no judge model configured: set OPENAI_API_KEY (or AZURE_OPENAI_*)";

    /** The judge, or empty when no judge model is configured. */
    Optional<Judge> judge();

    /** Why {@link #judge()} is empty, as a user should read it. */
    default String unavailableReason() {
        return NOT_CONFIGURED;
    }

    /** No judge: judge graders fail saying {@link #NOT_CONFIGURED}. */
    static JudgeProvider none() {
        return Optional::empty;
    }

    static JudgeProvider of(Judge judge) {
        Objects.requireNonNull(judge, "judge");
        Optional<Judge> present = Optional.of(judge);
        return () -> present;
    }

    /** A {@link ModelJudge} on {@code client} and {@code model}, or none when the client has no key. */
    static JudgeProvider model(ModelClient client, String model, ModelSettings settings) {
        if (!client.configured()) {
            return none();
        }
        return of(new ModelJudge(client, model, settings));
    }
}
