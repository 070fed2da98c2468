package dev.agentharness.runtime.agent;

/**
 * The typed body of a function tool. A thrown exception is not a crash: its message goes back to
 * the model as the tool output so it can correct itself.
 *
 * @param <A> the record the JSON arguments are parsed into
 */
@FunctionalInterface
public interface ToolBody<A extends Record> {

    /** @return a String sent as-is, or any other object serialised to JSON ({@code null} → empty output) */
    Object call(ToolContext context, A arguments) throws Exception;
}
