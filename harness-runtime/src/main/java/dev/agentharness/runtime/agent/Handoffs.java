package dev.agentharness.runtime.agent;

import dev.agentharness.runtime.model.ToolSpec;
import java.util.Locale;

/** Handoffs reach the model as argument-less function tools, named and described as the Agents SDK does. */
public final class Handoffs {

    private static final java.util.regex.Pattern NOT_IN_NAME = java.util.regex.Pattern.compile("[^a-z0-9_]");

    private Handoffs() {
    }

    /** {@code transfer_to_<name>}, lower-cased, every character outside {@code [a-z0-9_]} replaced by {@code _}. */
    public static String toolName(String agentName) {
        return "transfer_to_" + NOT_IN_NAME.matcher(agentName.toLowerCase(Locale.ROOT)).replaceAll("_");
    }

    public static String toolDescription(Agent target) {
        return ("Handoff to the " + target.name() + " agent to handle the request. " + target.handoffDescription())
                .strip();
    }

    public static ToolSpec spec(Agent target) {
        return new ToolSpec(toolName(target.name()), toolDescription(target), StrictSchemas.emptyObject(), true);
    }

    /** The output recorded for an accepted handoff call. */
    public static String output(Agent target) {
        return "{\"assistant\": \"" + target.name().replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
    }
}
