package dev.agentharness.runtime.runs;

import io.smallrye.config.ConfigMapping;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Default limits for every principal ({@code HARNESS_TENANT_*}) and the file with per-principal and per-namespace
 * overrides ({@code HARNESS_TENANTS_FILE}). Unset means unlimited.
 */
@ConfigMapping(prefix = "harness.tenants")
public interface TenantSettings {

    Optional<Path> file();

    OptionalInt requestsPerMinute();

    OptionalInt maxQueued();

    OptionalInt maxInFlight();

    OptionalDouble dailyBudgetUsd();
}
