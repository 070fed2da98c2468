package dev.agentharness.runtime.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Starts an {@link OtlpReceiver} for a Quarkus test profile and points the harness at it the way a deployment would:
 * with the standard {@code OTEL_EXPORTER_OTLP_ENDPOINT} (argument {@code target=otlp}, the default) or with
 * {@code PHOENIX_COLLECTOR_ENDPOINT} ({@code target=phoenix}). Everything else (protocol, headers, sampler, service
 * name) is the profile's own configuration, in the same variables.
 */
public class OtlpReceiverResource implements QuarkusTestResourceLifecycleManager {

    private static volatile OtlpReceiver otlp;
    private static volatile OtlpReceiver phoenix;

    private String target = "otlp";
    private OtlpReceiver receiver;

    /** The receiver of the running profile's OTLP export. */
    public static OtlpReceiver receiver() {
        return otlp;
    }

    /** The receiver of the running profile's Phoenix export. */
    public static OtlpReceiver phoenix() {
        return phoenix;
    }

    @Override
    public void init(Map<String, String> args) {
        target = args.getOrDefault("target", "otlp");
    }

    @Override
    public Map<String, String> start() {
        receiver = OtlpReceiver.start();
        if ("phoenix".equals(target)) {
            phoenix = receiver;
            return Map.of("PHOENIX_COLLECTOR_ENDPOINT", receiver.endpoint());
        }
        otlp = receiver;
        return Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
                // Quarkus's batch processor: export every 100 ms rather than every 5 s.
                "quarkus.otel.bsp.schedule.delay", "100ms");
    }

    @Override
    public void stop() {
        if (receiver != null) {
            receiver.close();
        }
    }
}
