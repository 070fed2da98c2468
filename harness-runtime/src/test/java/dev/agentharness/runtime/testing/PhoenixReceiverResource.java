package dev.agentharness.runtime.testing;

import java.util.Map;

/** An {@link OtlpReceiver} as the harness's Phoenix collector ({@code PHOENIX_COLLECTOR_ENDPOINT}). */
public class PhoenixReceiverResource extends OtlpReceiverResource {

    @Override
    public void init(Map<String, String> args) {
        super.init(Map.of("target", "phoenix"));
    }
}
