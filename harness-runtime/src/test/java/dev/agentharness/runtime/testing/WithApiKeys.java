package dev.agentharness.runtime.testing;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;
import java.util.Map;

/**
 * The harness with API keys: alice holds two live keys (rotation), bob one, the operator one that may act for a
 * namespace (HARNESS_NAMESPACE_DELEGATES). Logs also go to a
 * file the secret-scanning test reads, and spans to a loopback OTLP receiver over http/protobuf, with a header
 * (percent-encoded, as the OTLP specification writes values).
 */
public class WithApiKeys implements QuarkusTestProfile {

    public static final String ALICE_KEY_1 = "alice-key-one-0123456789abcdef";
    public static final String ALICE_KEY_2 = "alice-key-two-fedcba9876543210";
    public static final String BOB_KEY = "bob-key-only-00112233445566778899";
    /** The operator's key: its principal may act for a namespace (HARNESS_NAMESPACE_DELEGATES), bob's may not. */
    public static final String OPERATOR_KEY = "operator-key-aabbccddeeff00112233";
    public static final String COLLECTOR_HEADER = "x-collector-key";
    public static final String LOG_FILE = "target/with-api-keys.log";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
                "OTEL_EXPORTER_OTLP_HEADERS", COLLECTOR_HEADER + "=" + "collector%20key%2C1",
                "harness.api-keys", "alice:" + ALICE_KEY_1 + ", alice:" + ALICE_KEY_2 + ",bob:" + BOB_KEY
                        + ",operator:" + OPERATOR_KEY,
                "harness.namespace-delegates", "operator",
                "quarkus.log.file.enabled", "true",
                "quarkus.log.file.path", LOG_FILE,
                "quarkus.log.file.json.enabled", "false",
                // DEBUG goes to the scanned file only; the console (the CI log) stays at INFO.
                "quarkus.log.console.level", "INFO",
                "quarkus.log.file.format", "%d{HH:mm:ss.SSS} %-5p [%c{2.}] (%t) run_id=%X{run_id} trace_id=%X{trace_id} span_id=%X{span_id} %s%e%n",
                "quarkus.log.category.\"dev.agentharness\".level", "DEBUG");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeModelResource.class),
                new TestResourceEntry(OtlpReceiverResource.class));
    }
}
