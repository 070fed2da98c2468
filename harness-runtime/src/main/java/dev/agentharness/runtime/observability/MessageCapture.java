package dev.agentharness.runtime.observability;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.util.Locale;

/**
 * Whether spans carry what was said: the user's message and the reply, tool arguments and results
 * ({@code input.value}/{@code output.value}, {@code gen_ai.tool.call.arguments}/{@code gen_ai.tool.call.result}). Off
 * unless {@code OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true} — the variable OpenTelemetry's GenAI
 * instrumentations read for the same choice — because conversations may hold personal data a tracing backend must
 * not keep.
 */
@ConfigMapping(prefix = "harness.genai")
public interface MessageCapture {

    String VARIABLE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

    /** {@code true} or {@code false}; anything else is refused at start (see {@link #enabled()}). */
    @WithName("capture-message-content")
    @WithDefault("false")
    String captureMessageContent();

    /** Whether content is captured; a value other than true/false fails with the variable named. */
    default boolean enabled() {
        return parse(captureMessageContent());
    }

    static boolean parse(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false", "" -> false;
            default -> throw new IllegalStateException(VARIABLE + " must be true or false, not '" + value + "'");
        };
    }
}
