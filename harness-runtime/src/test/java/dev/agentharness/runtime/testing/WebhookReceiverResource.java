package dev.agentharness.runtime.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Starts a {@link WebhookReceiver} and points a webhook setting at it, with fast retries: {@code HARNESS_ALERTS_WEBHOOK_URL}
 * unless the init argument {@value #SETTING} names another ({@code harness.evals.nightly.webhook-url}).
 */
public class WebhookReceiverResource implements QuarkusTestResourceLifecycleManager {

    public static final String SETTING = "setting";

    private static volatile WebhookReceiver receiver;
    private String setting = "harness.alerts.webhook-url";

    public static WebhookReceiver receiver() {
        return receiver;
    }

    @Override
    public void init(Map<String, String> initArgs) {
        setting = initArgs.getOrDefault(SETTING, setting);
    }

    @Override
    public Map<String, String> start() {
        receiver = new WebhookReceiver();
        return Map.of(setting, receiver.url(),
                "harness.alerts.retry-initial-backoff-millis", "50",
                "harness.alerts.max-attempts", "4");
    }

    @Override
    public void stop() {
        if (receiver != null) {
            receiver.close();
            receiver = null;
        }
    }
}
