package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.agent.AgentRegistry;
import dev.agentharness.runtime.agent.AgentSpecs;
import dev.agentharness.runtime.agent.GuardrailRegistry;
import dev.agentharness.runtime.agent.ToolRegistry;
import dev.agentharness.runtime.evals.Graders;
import dev.agentharness.runtime.evals.JudgeProvider;
import dev.agentharness.runtime.model.ModelClient;
import dev.agentharness.runtime.model.ModelSettings;
import dev.agentharness.runtime.sandbox.SandboxTools;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Where the agent loop meets the sandbox: {@code agent} knows tools, not sandboxes, so the sandbox tools
 * declarative agents may name are added here. The registry is built eagerly so a bad agent file stops the boot.
 */
@ApplicationScoped
public class AgentWiring {

    /**
     * The tools declarative agents may name: the built-ins plus the sandbox tools, which a run with a
     * sandbox binds to it (without one they answer that the run has none).
     */
    public static ToolRegistry harnessTools() {
        return ToolRegistry.builtIn().with(SandboxTools.declarable());
    }

    /**
     * The tools, guardrails and graders an agent spec may name (files, {@code PUT /agents}); judge evaluators ask
     * {@code harness.evals.inline.judge-model} (default: the harness's default model) through the harness's model
     * client, when they grade.
     */
    @Produces
    @Singleton
    AgentSpecs agentSpecs(ModelClient model, @ConfigProperty(name = "harness.model.default") String defaultModel,
                          InlineEvalSettings evals) {
        Graders graders = new Graders(JudgeProvider.model(model, evals.judgeModel().orElse(defaultModel),
                ModelSettings.DEFAULTS));
        return new AgentSpecs(harnessTools(), GuardrailRegistry.builtIn(), graders);
    }

    /** The built-in and file agents and their inline evaluators. */
    @Produces
    @Singleton
    @Startup
    AgentRegistry agents(@ConfigProperty(name = "harness.agents.dir") Optional<String> agentsDir, AgentSpecs specs) {
        return new AgentRegistry(specs, agentsDir.filter(dir -> !dir.isBlank()).map(Path::of));
    }
}
