package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * The agent spec — the same fields, names and rules as {@code PUT /agents/{name}} and an agent file
 * ({@code dev.agentharness.api.agents.AgentSpecValidator}, which the operator runs before anything reaches the
 * harness). The schema here is the coarse first line; the validator names the field for everything else.
 */
@JsonClassDescription("The agent spec: the same fields, names and rules as PUT /agents/{name} on the harness and an agent "
        + "file (docs/agents.md). The operator validates it before anything reaches the harness.")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentSpec {

    @Required
    @Size(min = 1, max = 65536)
    @JsonPropertyDescription("The system prompt (at most 64 Ki characters).")
    private String instructions;

    @Size(max = 1024)
    @JsonPropertyDescription("What other agents are told about this one when they may hand off to it.")
    private String description;

    @Pattern(AgentRunSpec.MODEL_PATTERN)
    @JsonPropertyDescription("The model this agent calls, e.g. gpt-5.4-mini; the run's model when absent.")
    private String model;

    @JsonPropertyDescription("Sampling settings for the agent's model calls.")
    private AgentModelSettings modelSettings;

    @Size(max = 64)
    @JsonPropertyDescription("Tools the agent may call, by name from the harness's tool registry (docs/agents.md lists "
            + "them; the sandbox tools need a sandbox manifest).")
    private List<String> tools;

    @Size(max = 64)
    @JsonPropertyDescription("Agents it may hand the conversation to: other Agents of this namespace or the harness's "
            + "built-ins (maya, billing). No cycles.")
    private List<String> handoffs;

    @Size(max = 64)
    @JsonPropertyDescription("Guardrails checked on the user's input before the first model call, by name.")
    private List<String> inputGuardrails;

    @Size(max = 64)
    @JsonPropertyDescription("Guardrails checked on the final answer, by name.")
    private List<String> outputGuardrails;

    @JsonPropertyDescription("Default sandbox for runs of this agent that bring none: a SandboxManifest of this "
            + "namespace. Part of the version: a changed manifest is a new version.")
    private SandboxManifestReference sandboxManifestRef;

    @PreserveUnknownFields
    @JsonPropertyDescription("Default sandbox manifest given inline (SPEC §8 format, like a SandboxManifest's "
            + "manifest); alternative to sandboxManifestRef.")
    private ObjectNode sandboxManifest;

    @PreserveUnknownFields
    @JsonPropertyDescription("Evaluators graded after each finished run of the agent: {name, <grader kind>: <config>, "
            + "sample} with the grader kinds of the golden-set format (docs/evals-format.md).")
    private List<ObjectNode> evaluators;

    @JsonPropertyDescription("The promotion gate: the golden set a changed spec must pass before it serves runs. "
            + "Without it a valid spec serves at once.")
    private AgentEvaluationSpec evaluation;

    public String getInstructions() {
        return instructions;
    }

    public void setInstructions(String instructions) {
        this.instructions = instructions;
    }

    public String getDescription() {
        return description;
    }

    public void setDescription(String description) {
        this.description = description;
    }

    public String getModel() {
        return model;
    }

    public void setModel(String model) {
        this.model = model;
    }

    public AgentModelSettings getModelSettings() {
        return modelSettings;
    }

    public void setModelSettings(AgentModelSettings modelSettings) {
        this.modelSettings = modelSettings;
    }

    public List<String> getTools() {
        return tools;
    }

    public void setTools(List<String> tools) {
        this.tools = tools;
    }

    public List<String> getHandoffs() {
        return handoffs;
    }

    public void setHandoffs(List<String> handoffs) {
        this.handoffs = handoffs;
    }

    public List<String> getInputGuardrails() {
        return inputGuardrails;
    }

    public void setInputGuardrails(List<String> inputGuardrails) {
        this.inputGuardrails = inputGuardrails;
    }

    public List<String> getOutputGuardrails() {
        return outputGuardrails;
    }

    public void setOutputGuardrails(List<String> outputGuardrails) {
        this.outputGuardrails = outputGuardrails;
    }

    public SandboxManifestReference getSandboxManifestRef() {
        return sandboxManifestRef;
    }

    public void setSandboxManifestRef(SandboxManifestReference sandboxManifestRef) {
        this.sandboxManifestRef = sandboxManifestRef;
    }

    public ObjectNode getSandboxManifest() {
        return sandboxManifest;
    }

    public void setSandboxManifest(ObjectNode sandboxManifest) {
        this.sandboxManifest = sandboxManifest;
    }

    public List<ObjectNode> getEvaluators() {
        return evaluators;
    }

    public void setEvaluators(List<ObjectNode> evaluators) {
        this.evaluators = evaluators;
    }

    public AgentEvaluationSpec getEvaluation() {
        return evaluation;
    }

    public void setEvaluation(AgentEvaluationSpec evaluation) {
        this.evaluation = evaluation;
    }
}
