package dev.agentharness.runtime.observability;

import java.time.Duration;
import java.util.List;

/**
 * What a finished run did, as plain data for {@link HarnessMetrics#runFinished}: read from its whole journal by the
 * replica that recorded its end. Every label value here comes from a closed set or from configuration (agent, model,
 * tool and guardrail names), never from a request's free text.
 *
 * @param status   the terminal status ({@code succeeded}, {@code failed}, {@code timed_out}, {@code cancelled})
 * @param reason   why it did not succeed; {@code none} when it did
 * @param duration started → finished; null when either instant is unknown
 */
public record FinishedRun(String agent, String status, String reason, Duration duration, List<ModelCall> modelCalls,
                          List<ToolCall> toolCalls, List<GuardrailTrip> guardrailTrips) {

    public FinishedRun {
        modelCalls = List.copyOf(modelCalls);
        toolCalls = List.copyOf(toolCalls);
        guardrailTrips = List.copyOf(guardrailTrips);
    }

    /**
     * One model call.
     *
     * @param provider      the OTel GenAI provider name ({@code openai} or {@code azure.ai.openai})
     * @param responseModel the model the provider said answered; {@code unknown} when it did not say
     * @param duration      null when the journal has no start or end for it
     * @param error         null for a call that answered; else its short class ({@code rate_limited},
     *                      {@code server_error}, {@code timeout}, {@code bad_request}, {@code other})
     */
    public record ModelCall(String provider, String model, String responseModel, Duration duration, String error,
                            long inputTokens, long outputTokens, long cachedInputTokens, long reasoningTokens,
                            double costUsd) {

        public boolean failed() {
            return error != null;
        }
    }

    /** One tool call that produced an output; {@code failed} when the output is an error. */
    public record ToolCall(String tool, Duration duration, boolean failed) {
    }

    /** A guardrail that tripped, at stage {@code input} or {@code output}. */
    public record GuardrailTrip(String guardrail, String stage) {
    }
}
