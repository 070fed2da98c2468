package dev.agentharness.operator.observability;

import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;

/**
 * Wraps the sampler the SDK configured ({@code OTEL_TRACES_SAMPLER}, which the SDK reads itself) in
 * {@link ReconcileRootedSampler}. A service-loaded customizer rather than a CDI {@code Sampler} bean: Quarkus would
 * use such a bean <em>instead of</em> the configured sampler, and {@code OTEL_TRACES_SAMPLER} would be ignored.
 */
public final class TracingCustomizer implements AutoConfigurationCustomizerProvider {

    @Override
    public void customize(AutoConfigurationCustomizer autoConfiguration) {
        autoConfiguration.addSamplerCustomizer((configured, config) -> new ReconcileRootedSampler(configured));
    }
}
