package dev.agentharness.runtime.state;

import java.util.Map;
import java.util.OptionalInt;

/**
 * How many runs each principal may have executing at once across all replicas: {@code overrides} by principal, else
 * {@code defaultMax}; empty means no bound.
 */
public record InFlightLimits(OptionalInt defaultMax, Map<String, Integer> overrides) {

    public static final InFlightLimits NONE = new InFlightLimits(OptionalInt.empty(), Map.of());

    public InFlightLimits {
        overrides = Map.copyOf(overrides);
    }

    /** Whether any principal is bounded (then claims are serialised and count running runs). */
    public boolean any() {
        return defaultMax.isPresent() || !overrides.isEmpty();
    }
}
