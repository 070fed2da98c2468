package dev.agentharness.operator.testing;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;

/** The operator with OTLP export switched on, towards an {@link OtlpHttpReceiver}. */
public class OtlpExportProfile implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(OtlpHttpReceiver.class));
    }
}
