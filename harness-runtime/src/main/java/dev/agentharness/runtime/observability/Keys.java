package dev.agentharness.runtime.observability;

import io.opentelemetry.api.common.AttributeKey;
import java.util.List;

/**
 * The attribute names the run's spans use, from OpenTelemetry's GenAI conventions ({@code gen_ai.*}, {@code error.type})
 * and OpenInference's ({@code llm.*}, {@code tool.name}, {@code input.value}, …); the versions followed are pinned in
 * {@code docs/observability.md}. Ours where neither has a name: {@code guardrail.*}, {@code handoff.*}.
 */
final class Keys {

    private Keys() {
    }

    // OpenTelemetry GenAI
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<String> CONVERSATION_ID = AttributeKey.stringKey("gen_ai.conversation.id");
    static final AttributeKey<String> AGENT_NAME = AttributeKey.stringKey("gen_ai.agent.name");
    /** GenAI semconv (development): "the version of the GenAI agent"; ours is {@code sha256:<hex>} of its spec. */
    static final AttributeKey<String> AGENT_VERSION = AttributeKey.stringKey("gen_ai.agent.version");
    static final AttributeKey<String> WORKFLOW_NAME = AttributeKey.stringKey("gen_ai.workflow.name");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
    static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<Long> CACHE_READ_INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
    static final AttributeKey<Long> REASONING_OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.reasoning.output_tokens");
    static final AttributeKey<String> TOOL_NAME = AttributeKey.stringKey("gen_ai.tool.name");
    static final AttributeKey<String> TOOL_CALL_ID = AttributeKey.stringKey("gen_ai.tool.call.id");
    static final AttributeKey<String> TOOL_TYPE = AttributeKey.stringKey("gen_ai.tool.type");
    static final AttributeKey<String> TOOL_CALL_ARGUMENTS = AttributeKey.stringKey("gen_ai.tool.call.arguments");
    static final AttributeKey<String> TOOL_CALL_RESULT = AttributeKey.stringKey("gen_ai.tool.call.result");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    // OpenInference
    static final AttributeKey<String> AGENT_NAME_OI = AttributeKey.stringKey("agent.name");
    static final AttributeKey<String> GRAPH_NODE_ID = AttributeKey.stringKey("graph.node.id");
    static final AttributeKey<String> GRAPH_NODE_PARENT_ID = AttributeKey.stringKey("graph.node.parent_id");
    static final AttributeKey<String> LLM_MODEL_NAME = AttributeKey.stringKey("llm.model_name");
    static final AttributeKey<String> LLM_PROVIDER = AttributeKey.stringKey("llm.provider");
    static final AttributeKey<String> LLM_SYSTEM = AttributeKey.stringKey("llm.system");
    static final AttributeKey<Long> PROMPT_TOKENS = AttributeKey.longKey("llm.token_count.prompt");
    static final AttributeKey<Long> COMPLETION_TOKENS = AttributeKey.longKey("llm.token_count.completion");
    static final AttributeKey<Long> TOTAL_TOKENS = AttributeKey.longKey("llm.token_count.total");
    static final AttributeKey<Long> PROMPT_CACHE_READ = AttributeKey.longKey("llm.token_count.prompt_details.cache_read");
    static final AttributeKey<Long> COMPLETION_REASONING =
            AttributeKey.longKey("llm.token_count.completion_details.reasoning");
    static final AttributeKey<Double> COST_PROMPT = AttributeKey.doubleKey("llm.cost.prompt");
    static final AttributeKey<Double> COST_COMPLETION = AttributeKey.doubleKey("llm.cost.completion");
    static final AttributeKey<Double> COST_TOTAL = AttributeKey.doubleKey("llm.cost.total");
    static final AttributeKey<String> TOOL_NAME_OI = AttributeKey.stringKey("tool.name");
    static final AttributeKey<String> INPUT_VALUE = AttributeKey.stringKey("input.value");
    static final AttributeKey<String> INPUT_MIME_TYPE = AttributeKey.stringKey("input.mime_type");
    static final AttributeKey<String> OUTPUT_VALUE = AttributeKey.stringKey("output.value");

    // Neither convention names these
    static final AttributeKey<String> GUARDRAIL_NAME = AttributeKey.stringKey("guardrail.name");
    static final AttributeKey<String> GUARDRAIL_STAGE = AttributeKey.stringKey("guardrail.stage");
    static final AttributeKey<Boolean> GUARDRAIL_TRIGGERED = AttributeKey.booleanKey("guardrail.triggered");
    static final AttributeKey<String> HANDOFF_FROM = AttributeKey.stringKey("handoff.from_agent");
    static final AttributeKey<String> HANDOFF_TO = AttributeKey.stringKey("handoff.to_agent");
}
