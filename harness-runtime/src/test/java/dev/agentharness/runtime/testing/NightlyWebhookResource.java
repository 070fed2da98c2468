package dev.agentharness.runtime.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** A {@link WebhookReceiver} for the nightly summary ({@code harness.evals.nightly.webhook-url}), with fast retries. */
public class NightlyWebhookResource implements QuarkusTestResourceLifecycleManager {

    private static volatile WebhookReceiver receiver;

    public static WebhookReceiver receiver() {
        return receiver;
    }

    @Override
    public Map<String, String> start() {
        receiver = new WebhookReceiver();
        return Map.of("harness.evals.nightly.webhook-url", receiver.url(),
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
