package dev.agentharness.runtime.model;

import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * Exposes the one {@link ModelClient} of the process, built from the {@code harness.model.*}
 * configuration. It exists even without a key, so the harness can boot and answer 503 with
 * {@link ModelClient#missingConfiguration()} instead of failing at startup.
 */
@ApplicationScoped
public class ModelClientProducer {

    private static final Logger LOG = Logger.getLogger(ModelClientProducer.class);

    @Produces
    @ApplicationScoped
    ModelClient modelClient(Config config, Vertx vertx) {
        ModelConfig modelConfig = ModelConfig.from(config);
        ResponsesApiClient client = new ResponsesApiClient(modelConfig, vertx);
        if (client.configured()) {
            LOG.infof("model client ready: %s", modelConfig);
        } else {
            LOG.warnf("model client not configured: set %s", client.missingConfiguration());
        }
        return client;
    }

    void close(@Disposes ModelClient client) {
        if (client instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.debugf("closing the model client failed: %s", e.getClass().getSimpleName());
            }
        }
    }
}
