package dev.agentharness.runtime.observability;

import io.opentelemetry.sdk.trace.samplers.Sampler;

import java.util.Locale;

/**
 * {@code OTEL_TRACES_SAMPLER} and {@code OTEL_TRACES_SAMPLER_ARG} as the OpenTelemetry specification defines them
 * (the built-in samplers; default {@code parentbased_always_on}; the ratio argument defaults to 1.0). A value the
 * harness does not know, or a ratio outside [0, 1], fails the start with the variable named (the spec's "warn and use
 * the default" would hide a typo that silently drops or keeps every trace).
 */
public final class TraceSampling {

    private TraceSampling() {
    }

    public static Sampler sampler(String name, String argument) {
        String sampler = name == null || name.isBlank() ? "parentbased_always_on" : name.strip().toLowerCase(Locale.ROOT);
        return switch (sampler) {
            case "always_on" -> Sampler.alwaysOn();
            case "always_off" -> Sampler.alwaysOff();
            case "traceidratio" -> Sampler.traceIdRatioBased(ratio(argument));
            case "parentbased_always_on" -> Sampler.parentBased(Sampler.alwaysOn());
            case "parentbased_always_off" -> Sampler.parentBased(Sampler.alwaysOff());
            case "parentbased_traceidratio" -> Sampler.parentBased(Sampler.traceIdRatioBased(ratio(argument)));
            default -> throw new IllegalArgumentException("OTEL_TRACES_SAMPLER: '" + name + "' is not supported "
                    + "(always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, "
                    + "parentbased_traceidratio)");
        };
    }

    private static double ratio(String argument) {
        if (argument == null || argument.isBlank()) {
            return 1.0;
        }
        try {
            double ratio = Double.parseDouble(argument.strip());
            if (ratio >= 0 && ratio <= 1) {
                return ratio;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("OTEL_TRACES_SAMPLER_ARG: '" + argument + "' is not a ratio in [0, 1]");
    }
}
