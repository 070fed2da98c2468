package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.agent.AgentRegistry;
import dev.agentharness.runtime.agent.ToolRegistry;
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

    @Produces
    @Singleton
    @Startup
    AgentRegistry agents(@ConfigProperty(name = "harness.agents.dir") Optional<String> agentsDir) {
        return new AgentRegistry(harnessTools(), agentsDir.filter(dir -> !dir.isBlank()).map(Path::of));
    }
}
