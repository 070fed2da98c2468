package dev.agentharness.operator.config;

import dev.agentharness.api.HarnessApi;
import dev.agentharness.api.agents.AgentEvaluationsApi;
import dev.agentharness.api.agents.AgentsApi;
import dev.agentharness.operator.agentrun.AgentRunSettings;
import dev.agentharness.operator.harness.BearerToken;
import dev.agentharness.operator.harness.HarnessAgents;
import dev.agentharness.operator.harness.HarnessClient;
import dev.agentharness.operator.harness.HarnessSettings;
import dev.agentharness.operator.harness.NamespaceHeader;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.concurrent.TimeUnit;

/** Builds the operator's collaborators from {@link OperatorConfig}; every one of them also has a plain constructor. */
public class OperatorBeans {

    private static final Logger LOG = Logger.getLogger(OperatorBeans.class);

    @Produces
    @Singleton
    HarnessSettings harnessSettings(OperatorConfig config) {
        return new HarnessSettings(config.harness().url(), config.harness().apiToken(),
                config.harness().connectTimeout(), config.harness().readTimeout());
    }

    /**
     * The harness's own JAX-RS interface as a REST client: paths, headers and bodies agree by construction. One client
     * per namespace, each sending that namespace in {@code Agent-Harness-Namespace} (built on first use).
     */
    @Produces
    @Singleton
    HarnessClient harnessClient(HarnessSettings settings, MeterRegistry meters) {
        LOG.infof("harness client: %s", settings);
        return new HarnessClient(namespace -> restClient(settings, namespace, HarnessApi.class),
                settings.apiToken().orElse(null), meters);
    }

    /** The agent registry's two interfaces, the same way: one client of each per namespace. */
    @Produces
    @Singleton
    HarnessAgents harnessAgents(HarnessSettings settings, HarnessClient harness) {
        return new HarnessAgents(harness, namespace -> restClient(settings, namespace, AgentsApi.class),
                namespace -> restClient(settings, namespace, AgentEvaluationsApi.class));
    }

    private static <T> T restClient(HarnessSettings settings, String namespace, Class<T> api) {
        QuarkusRestClientBuilder builder = QuarkusRestClientBuilder.newBuilder()
                .baseUri(settings.url())
                .connectTimeout(settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(settings.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .register(new NamespaceHeader(namespace));
        settings.apiToken().ifPresent(token -> builder.register(new BearerToken(token)));
        return builder.build(api);
    }

    @Produces
    @Singleton
    AgentRunSettings agentRunSettings(OperatorConfig config) {
        return new AgentRunSettings(config.pollInterval(), config.sandboxManifestGrace(), config.timeoutGrace(),
                config.cleanupGiveUpAfter(), config.retryInitial(), config.retryMax(), config.submitConcurrency(),
                config.progressInterval(), config.throttleMaxWait(), config.evaluationWait(), config.agentWait());
    }

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
