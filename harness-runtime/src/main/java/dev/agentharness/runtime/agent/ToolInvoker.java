package dev.agentharness.runtime.agent;

/** The untyped edge of a tool: raw JSON arguments in, text out. {@link FunctionTool#of} builds one. */
@FunctionalInterface
public interface ToolInvoker {

    /**
     * @throws ToolArgumentsException when {@code argumentsJson} is not valid for this tool
     * @throws Exception anything the tool body throws
     */
    String invoke(ToolContext context, String argumentsJson) throws Exception;
}
