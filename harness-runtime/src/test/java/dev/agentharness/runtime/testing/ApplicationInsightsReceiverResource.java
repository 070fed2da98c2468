package dev.agentharness.runtime.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Starts an {@link ApplicationInsightsReceiver} for a Quarkus test profile and points the harness at it the way a
 * deployment would: an {@code APPLICATIONINSIGHTS_CONNECTION_STRING} whose IngestionEndpoint is the receiver.
 */
public class ApplicationInsightsReceiverResource implements QuarkusTestResourceLifecycleManager {

    public static final String INSTRUMENTATION_KEY = "00000000-0000-0000-0000-000000000000";

    private static volatile ApplicationInsightsReceiver receiver;

    public static ApplicationInsightsReceiver receiver() {
        return receiver;
    }

    @Override
    public Map<String, String> start() {
        receiver = ApplicationInsightsReceiver.start();
        return Map.of("APPLICATIONINSIGHTS_CONNECTION_STRING",
                "InstrumentationKey=" + INSTRUMENTATION_KEY + ";IngestionEndpoint=" + receiver.endpoint(),
                // The SDK's batch span processor (it carries the Azure Monitor exporter): every 100 ms, not 5 s.
                "quarkus.otel.bsp.schedule.delay", "100ms");
    }

    @Override
    public void stop() {
        if (receiver != null) {
            receiver.close();
        }
    }
}
