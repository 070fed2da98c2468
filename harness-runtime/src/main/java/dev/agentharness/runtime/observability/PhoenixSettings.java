package dev.agentharness.runtime.observability;

import io.smallrye.config.ConfigMapping;

import java.util.Optional;

/**
 * The Phoenix pipeline ({@code harness.phoenix.*}, from the {@code PHOENIX_*} variables in application.properties).
 * Ratios are text so that a bad value is reported with its variable's name ({@link PhoenixSampling#ratio}).
 */
@ConfigMapping(prefix = "harness.phoenix")
public interface PhoenixSettings {

    /** {@code PHOENIX_COLLECTOR_ENDPOINT}: Phoenix's base URL; unset = Phoenix off. */
    Optional<String> endpoint();

    /** {@code PHOENIX_API_KEY}: sent as {@code authorization: Bearer <key>}. A credential: never logged. */
    Optional<String> apiKey();

    /** {@code PHOENIX_PROJECT_NAME}: the resource attribute {@code openinference.project.name}. */
    String projectName();

    /** {@code PHOENIX_SAMPLE_SUCCEEDED}: share of succeeded runs exported. */
    String sampleSucceeded();

    /** {@code PHOENIX_SAMPLE_FAILED}: share of failed, timed-out and cancelled runs exported. */
    String sampleFailed();
}
