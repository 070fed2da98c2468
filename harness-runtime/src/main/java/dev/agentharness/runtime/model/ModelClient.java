package dev.agentharness.runtime.model;

/**
 * One call to a Responses-API-compatible model. Implementations retry transient failures
 * themselves (429/5xx, honouring Retry-After) and enforce a per-call timeout; what reaches the
 * caller as {@link ModelException} is final for this call.
 */
public interface ModelClient {

    ModelResponse respond(ModelRequest request) throws ModelException;

    /** False when no API key/endpoint is configured: runs are refused with 503 before they start. */
    boolean configured();

    /** The environment variable a user must set to make {@link #configured()} true. */
    String missingConfiguration();

    /**
     * Who serves the model, as OpenTelemetry's GenAI conventions name it ({@code gen_ai.provider.name}):
     * {@value #OPENAI} for the OpenAI API or an OpenAI-compatible endpoint, {@value #AZURE_OPENAI} for Azure OpenAI.
     */
    default String providerName() {
        return OPENAI;
    }

    String OPENAI = "openai";
    String AZURE_OPENAI = "azure.ai.openai";
}
