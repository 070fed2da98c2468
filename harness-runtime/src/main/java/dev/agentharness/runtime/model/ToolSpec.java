package dev.agentharness.runtime.model;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A function tool as sent to the Responses API:
 * {@code {"type":"function","name":…,"description":…,"parameters":…,"strict":…}}.
 */
public record ToolSpec(String name, String description, ObjectNode parameters, boolean strict) {
}
