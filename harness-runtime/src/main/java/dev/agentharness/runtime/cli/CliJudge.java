package dev.agentharness.runtime.cli;

import dev.agentharness.runtime.evals.Judge;
import dev.agentharness.runtime.evals.JudgeProvider;
import dev.agentharness.runtime.model.ModelConfig;
import dev.agentharness.runtime.model.ModelSettings;
import dev.agentharness.runtime.model.ResponsesApiClient;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The judge of {@code eval run}, on the model the environment configures exactly as the harness reads it
 * ({@code OPENAI_API_KEY}, {@code OPENAI_BASE_URL}, {@code AZURE_OPENAI_*}; the judge's model is
 * {@code HARNESS_EVALS_JUDGE_MODEL}, as for the harness's inline judge, else {@code MODEL}).
 * Built lazily: a dataset without a {@code judge} expectation starts no Vert.x and needs no key.
 */
final class CliJudge implements JudgeProvider, AutoCloseable {

    private final Map<String, String> env;
    private Vertx vertx;
    private ResponsesApiClient client;
    private Optional<Judge> judge;

    CliJudge(Map<String, String> env) {
        this.env = env;
    }

    /** The model configuration the harness would read from this environment (application.properties' defaults). */
    static ModelConfig modelConfig(Map<String, String> env) {
        return new ModelConfig(env.get("OPENAI_API_KEY"),
                env.getOrDefault("OPENAI_BASE_URL", ModelConfig.OFFICIAL_BASE_URL),
                env.getOrDefault("MODEL", ModelConfig.DEFAULT_MODEL), env.get("AZURE_OPENAI_ENDPOINT"),
                env.get("AZURE_OPENAI_API_KEY"), env.get("AZURE_OPENAI_DEPLOYMENT"), env.get("OPENAI_API_VERSION"),
                ModelConfig.DEFAULT_MAX_RETRIES, Duration.ofSeconds(Long.parseLong(
                        env.getOrDefault("MODEL_TIMEOUT_SECONDS", "60").strip())), 16, env.get("AZURE_OPENAI_AUTH"));
    }

    @Override
    public synchronized Optional<Judge> judge() {
        if (judge == null) {
            ModelConfig config = modelConfig(env);
            if (config.missingVariable().isPresent()) {
                judge = Optional.empty();
            } else {
                vertx = Vertx.vertx();
                client = new ResponsesApiClient(config, vertx);
                String model = env.getOrDefault("HARNESS_EVALS_JUDGE_MODEL", config.azure() ? config.azureDeployment()
                        : config.defaultModel());
                judge = JudgeProvider.model(client, model, ModelSettings.DEFAULTS).judge();
            }
        }
        return judge;
    }

    @Override
    public String unavailableReason() {
        return modelConfig(env).missingVariable()
                .map(variable -> "the dataset has judge expectations and no judge model is configured: set " + variable)
                .orElse(JudgeProvider.NOT_CONFIGURED);
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
        }
        if (vertx != null) {
            vertx.close();
        }
    }
}
